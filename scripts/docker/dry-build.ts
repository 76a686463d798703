import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { buildContext, BuildContext, DOCKERIGNORE } from './build-context';
import { commandOf, copyOperands, durationMs, envPairs, execForm, Instruction, parseDockerfile, substitute, words } from './dockerfile';
import { runImage } from './run-image';
import { exited, IMAGE_PATH, StageFilesystem, StageRoot, start } from './stage-root';

/**
 * `npm run docker:dry-build`: builds docker/Dockerfile without a Docker engine, from the clean
 * checkout, as close to `docker build` as this machine allows, then runs the image's CMD against a
 * fresh database until its HEALTHCHECK passes (run-image.ts). Reads the Dockerfile itself and
 * refuses any instruction or option it does not interpret. What it proves and what it cannot:
 * docker/README.md ("Dry build").
 */
export interface Stage {
  name: string;
  image: string;
  root: StageRoot;
  env: Record<string, string>;
  workdir: string;
  user: string;
  cmd?: string[];
  healthcheck?: { command: string[]; intervalMs: number; timeoutMs: number; startPeriodMs: number; retries: number };
}

export interface DryBuildOptions {
  /** The checkout (its tracked files are the build context). */
  root: string;
  dockerfile?: string;
  /** A PostgreSQL server's maintenance URL for the run; else TEST_DATABASE_URL, else an embedded PostgreSQL. */
  adminUrl?: string;
  /** Every line of the record and of the commands' output. */
  output?: (line: string) => void;
}

export async function dryBuild(options: DryBuildOptions): Promise<void> {
  const output = options.output ?? ((line: string) => console.log(line));
  const started = Date.now();
  if (process.getuid?.() !== 0) throw new Error('the dry build needs root: each step runs in its own mount namespace, on an overlay, chrooted');
  const dockerfilePath = resolve(options.root, options.dockerfile ?? 'docker/Dockerfile');
  const instructions = parseDockerfile(readFileSync(dockerfilePath, 'utf8'));
  const unknown = instructions.find((i) => !INTERPRETED.includes(i.keyword));
  if (unknown) throw new Error(`Dockerfile line ${unknown.line} (${unknown.keyword}): ${notInterpreted(unknown.keyword)}`);
  const context = buildContext(options.root);
  output(`context: ${context.files.length} files (${context.from} less ${DOCKERIGNORE}) of ${options.root}`);
  const storage = mkdtempSync(join(tmpdir(), 'prism-dry-build-'));
  try {
    const stages = new StageFilesystem(storage, [options.root]);
    for (const note of stages.createBaseLayer()) output(`base-image stand-in: ${note}`);
    const build: Build = { context, root: options.root, fs: stages, stages: [], output };
    await buildStages(instructions, build);
    output(`build: ${seconds(started)} s`);
    const running = Date.now();
    await runImage(build.stages[build.stages.length - 1], stages, { adminUrl: options.adminUrl, output });
    output(`run: ${seconds(running)} s`);
  } finally {
    const cleaning = Date.now();
    rmSync(storage, { recursive: true, force: true });
    output(`   stage roots removed in ${seconds(cleaning)} s`);
  }
}

/** One build's state: its context, where its stages live, the stages so far. */
interface Build {
  context: BuildContext;
  root: string;
  fs: StageFilesystem;
  stages: Stage[];
  output: (line: string) => void;
}

async function buildStages(instructions: Instruction[], build: Build): Promise<void> {
  const { stages, output } = build;
  for (const [index, instruction] of instructions.entries()) {
    const stage = stages[stages.length - 1];
    const label = instruction.keyword === 'FROM' ? (words(instruction.args)[2] ?? String(stages.length)) : stage?.name;
    const step = `#${index + 1} [${label}] ${instruction.keyword} ${Object.entries(instruction.flags).map(([k, v]) => `--${k}=${v} `).join('')}${instruction.args}`;
    output(step.length > 160 ? `${step.slice(0, 157)}...` : step);
    const started = Date.now();
    try {
      if (instruction.keyword === 'FROM') stages.push(from(instruction, build));
      else if (!stage) throw new Error('only FROM may come first');
      else await apply(instruction, stage, build);
    } catch (error) {
      throw new Error(`Dockerfile line ${instruction.line} (${instruction.keyword}): ${(error as Error).message}`, { cause: error });
    }
    if (Date.now() - started > 1000) output(`   done in ${seconds(started)} s`);
  }
  if (!stages.length) throw new Error('the Dockerfile has no FROM');
}

const INTERPRETED = ['FROM', 'WORKDIR', 'ENV', 'COPY', 'RUN', 'USER', 'VOLUME', 'EXPOSE', 'HEALTHCHECK', 'CMD'];
const notInterpreted = (keyword: string) => `${keyword} is not interpreted by the dry build (only ${INTERPRETED.join(', ')})`;

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

function allowFlags(instruction: Instruction, allowed: string[]): void {
  const unknown = Object.keys(instruction.flags).filter((f) => !allowed.includes(f));
  if (unknown.length) throw new Error(`option --${unknown.join(', --')} is not interpreted by the dry build`);
}

/** A new stage on the base-image stand-in: the image is not pulled; this machine's Node and Debian take its place. */
function from(instruction: Instruction, { stages, fs, output }: Build): Stage {
  allowFlags(instruction, []);
  const [image, as, name, ...extra] = words(instruction.args);
  if (!image || extra.length || (as !== undefined && (as.toUpperCase() !== 'AS' || !name))) throw new Error('expected FROM <image> [AS <name>]');
  if (stages.some((s) => s.name === image)) throw new Error(`FROM an earlier stage (${image}) is not interpreted by the dry build`);
  const osRelease = readFileSync('/etc/os-release', 'utf8');
  const os = /^PRETTY_NAME="?([^"\n]*)/m.exec(osRelease)?.[1] ?? 'unknown OS';
  const codename = /^VERSION_CODENAME=(\S+)/m.exec(osRelease)?.[1] ?? '';
  output(`   ${image} is not pulled: this machine stands in for it (Node ${process.version}, ${os})`);
  const [, major, variant] = /^node:(\d+)(?:[.\d]*)-?([a-z]*)/.exec(image) ?? [];
  if (major !== process.versions.node.split('.')[0] || (variant && !variant.startsWith(codename))) {
    output(`   WARNING: ${image} is not Node ${process.versions.node.split('.')[0]} on ${codename}: the stand-in differs from the base image`);
  }
  // The node image's ENV (its YARN_VERSION aside: this machine has no yarn).
  const env = { PATH: IMAGE_PATH, NODE_VERSION: process.versions.node };
  return { name: name ?? String(stages.length), image, root: fs.createStage(stages.length), env, workdir: '/', user: '' };
}

async function apply(instruction: Instruction, stage: Stage, { context, root, fs, stages, output }: Build): Promise<void> {
  const { keyword, args } = instruction;
  switch (keyword) {
    case 'WORKDIR': {
      allowFlags(instruction, []);
      stage.workdir = posix.resolve(stage.workdir, substitute(args, stage.env));
      mkdirSync(inRoot(stage, stage.workdir), { recursive: true });
      return;
    }
    case 'ENV':
      allowFlags(instruction, []);
      for (const [key, value] of envPairs(substitute(args, stage.env))) stage.env[key] = value;
      return;
    case 'COPY': {
      allowFlags(instruction, ['from']);
      const { sources, dest } = copyOperands(substitute(args, stage.env));
      const source = instruction.flags.from;
      if (source === undefined) copyFromContext(sources, dest, stage, context, root);
      else copyFromStage(sources, dest, stage, stages.find((s) => s.name === source) ?? stages[Number(source)]);
      return;
    }
    case 'RUN': {
      allowFlags(instruction, []);
      const command = fs.command(stage.root, stage.user, stage.workdir, commandOf(args));
      const { code } = await exited(start(command, stage.env, output, '   '));
      if (code !== 0) throw new Error(`RUN exited with code ${code}`);
      return;
    }
    case 'USER':
      allowFlags(instruction, []);
      stage.user = substitute(args, stage.env).trim();
      return;
    case 'VOLUME':
    case 'EXPOSE':
      allowFlags(instruction, []);
      // Recorded: a volume is a mount point at run time, a port is documentation; the run uses neither.
      output(`   recorded: ${(keyword === 'VOLUME' ? execForm(args) : undefined) ?? words(substitute(args, stage.env))}`);
      return;
    case 'HEALTHCHECK':
      stage.healthcheck = healthcheck(instruction);
      return;
    case 'CMD':
      allowFlags(instruction, []);
      stage.cmd = commandOf(args);
      return;
    default:
      throw new Error(notInterpreted(keyword));
  }
}

function healthcheck(instruction: Instruction): Stage['healthcheck'] {
  allowFlags(instruction, ['interval', 'timeout', 'start-period', 'retries']);
  const [, keyword, command] = /^(\S+)\s+([\s\S]*)$/.exec(instruction.args) ?? [];
  if (keyword?.toUpperCase() !== 'CMD') throw new Error('expected HEALTHCHECK [options] CMD <command> (NONE is not interpreted)');
  const { interval = '30s', timeout = '30s', 'start-period': startPeriod = '0s', retries = '3' } = instruction.flags;
  return { command: commandOf(command), intervalMs: durationMs(interval), timeoutMs: durationMs(timeout), startPeriodMs: durationMs(startPeriod), retries: Number(retries) };
}

/** A path of the stage's image, in its layer. */
function inRoot(stage: Stage, path: string): string {
  return join(stage.root.upper, posix.resolve(stage.workdir, path));
}

/** Docker's rule: several sources, or a destination ending in `/`, copy into a directory. */
function destination(stage: Stage, dest: string, sources: string[]): { path: string; isDir: boolean } {
  const path = inRoot(stage, dest);
  return { path, isDir: sources.length > 1 || dest.endsWith('/') || (existsSync(path) && statSync(path).isDirectory()) };
}

function refuseWildcards(sources: string[]): void {
  const wild = sources.filter((s) => /[*?[]/.test(s));
  if (wild.length) throw new Error(`wildcard sources (${wild.join(' ')}) are not interpreted by the dry build`);
}

/** COPY from the build context: a file, or a directory's contents, as the context holds them. */
function copyFromContext(sources: string[], dest: string, stage: Stage, context: BuildContext, root: string): void {
  refuseWildcards(sources);
  const target = destination(stage, dest, sources);
  for (const source of sources) {
    const path = posix.normalize(source).replace(/^(\.\/)+|\/+$/g, '').replace(/^\.$/, '');
    if (path.startsWith('..') || path.startsWith('/')) throw new Error(`${source} is outside the build context`);
    const file = context.files.includes(path);
    const under = context.files.filter((f) => !path || f.startsWith(`${path}/`));
    if (!file && !under.length) throw new Error(`${source} is not in the build context (tracked, not in ${DOCKERIGNORE})`);
    if (file) copyEntry(join(root, path), target.isDir ? join(target.path, posix.basename(path)) : target.path);
    else for (const f of under) copyEntry(join(root, f), join(target.path, path ? relative(path, f) : f));
  }
}

function copyEntry(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  rmSync(to, { force: true });
  if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else copyFileSync(from, to); // keeps the mode bits, like COPY; owner root
}

/** COPY --from=<stage>: from that stage's layer (what its COPY and RUN wrote); source paths start at its root. */
function copyFromStage(sources: string[], dest: string, stage: Stage, source: Stage | undefined): void {
  if (!source || source === stage) throw new Error('COPY --from names no earlier stage (an image would have to be pulled)');
  refuseWildcards(sources);
  const target = destination(stage, dest, sources);
  for (const path of sources) {
    const from = join(source.root.upper, posix.resolve('/', path));
    if (!existsSync(from)) throw new Error(`${path} is not in stage ${source.name}'s layer`);
    const to = statSync(from).isDirectory() || !target.isDir ? target.path : join(target.path, posix.basename(path));
    cpSync(from, to, { recursive: true, verbatimSymlinks: true, force: true });
  }
}

if (require.main === module) {
  const started = Date.now();
  let root = __dirname; // scripts/docker, or dist/scripts/docker once compiled
  while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
  dryBuild({ root }).then(
    () => console.log(`dry build passed in ${((Date.now() - started) / 1000).toFixed(0)} s`),
    (error: Error) => {
      console.error(`dry build FAILED after ${((Date.now() - started) / 1000).toFixed(0)} s: ${error.message}`);
      process.exitCode = 1;
    },
  );
}
