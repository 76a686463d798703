import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { ALL_MIGRATIONS } from '../../migrations';
import { freePort } from '../../src/core/free-port';
import { databaseUrl, withClient } from '../../src/database/pg-admin';
import { buildContext, DOCKERIGNORE } from './build-context';
import { BASE_IMAGE, ensureBaseImage, PrerequisiteError } from './oci-base';
import { postgresServer } from './run-image';
import { exited, start } from './stage-root';

/**
 * `npm run docker:oci-build`: builds docker/Dockerfile with a real OCI builder (podman/buildah),
 * without a Docker engine, from the clean checkout (the dry build's context), on a stand-in for
 * node:20-bookworm-slim (oci-base.ts); reads the image's metadata (`podman image inspect`), runs it
 * in a real container (own namespaces, PORT left at the image's 3000, published on a free loopback
 * port) on a fresh database until the image's own HEALTHCHECK passes, checks the user, the /data
 * volume and the migrations, stops it with SIGTERM and removes the container and the image (the
 * stand-in base is kept). Never part of `npm test`. Why each setting: docker/README.md ("Real OCI build").
 */
export interface OciBuildOptions {
  /** The checkout (its tracked files less the .dockerignore are the context). */
  root: string;
  dockerfile?: string;
  /** A PostgreSQL server's maintenance URL; else TEST_DATABASE_URL, else an embedded PostgreSQL. */
  adminUrl?: string;
  output?: (line: string) => void;
}

export interface OciBuildReport {
  image: string;
  imageBytes: number;
  buildSeconds: number;
  healthySeconds: number;
  migrations: number;
}

export { PrerequisiteError };

type Output = (line: string) => void;

/** crun 1.8 (Debian 12's default) refuses hybrid cgroup v1/v2 hosts such as this one; runc 1.1 runs there. */
const RUNTIME = 'runc';
const PODMAN = ['podman', '--runtime', RUNTIME];
/** slirp4netns's address for the host's loopback (allow_host_loopback): how the container reaches a 127.0.0.1 PostgreSQL. */
const HOST_LOOPBACK_FROM_CONTAINER = '10.0.2.2';
/** `docker stop`'s grace period before SIGKILL. */
const STOP_GRACE_S = 10;

const seconds = (since: number) => Number(((Date.now() - since) / 1000).toFixed(1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether `command` is on `path` (this process's PATH unless given). */
export function onPath(command: string, path = process.env.PATH ?? ''): boolean {
  try {
    execFileSync('/bin/sh', ['-c', `command -v "$1"`, 'sh', command], { stdio: 'ignore', env: { PATH: path } });
    return true;
  } catch {
    return false;
  }
}

/** The first thing missing for the build, as one line saying how to install it; undefined when all is there. */
export function missingPrerequisite(path = process.env.PATH ?? ''): string | undefined {
  if (!onPath('podman', path)) return 'podman not found: apt-get install podman buildah';
  if (process.getuid?.() !== 0) return 'the OCI build runs rootful podman (overlay storage, slirp4netns): run it as root';
  if (!onPath(RUNTIME, path)) return `${RUNTIME} not found: apt-get install ${RUNTIME} (crun 1.8 fails on hybrid cgroup hosts)`;
  if (!onPath('slirp4netns', path)) return 'slirp4netns not found: apt-get install slirp4netns (the container reaches PostgreSQL on the host loopback through it)';
  return undefined;
}

/**
 * podman 4.3 gives root's containers 1048576 open files and 32768 processes; raising a hard limit
 * needs CAP_SYS_RESOURCE, which this sandbox withholds, so the runtime's setrlimit fails ("Operation
 * not permitted"; even 32768 processes were refused here). 16384 of each passes: at most that, at
 * most what this process may have.
 */
export function ulimitArgs(): string[] {
  const limits = existsSync('/proc/self/limits') ? readFileSync('/proc/self/limits', 'utf8') : ''; // podman's hosts are Linux
  const hard = (name: string) => {
    const value = new RegExp(`^${name}\\s+\\S+\\s+(\\S+)`, 'm').exec(limits)?.[1];
    return value === undefined || value === 'unlimited' ? Infinity : Number(value);
  };
  const cap = (name: string) => Math.min(16384, hard(name));
  return ['--ulimit', `nofile=${cap('Max open files')}:${cap('Max open files')}`, '--ulimit', `nproc=${cap('Max processes')}:${cap('Max processes')}`];
}

/** Runs a command to its end, its output to `output`; throws on a non-zero exit. */
async function streamed(argv: string[], output: Output, prefix: string): Promise<void> {
  output(`$ ${argv.map((a) => (/[\s'"$]/.test(a) ? `'${a}'` : a)).join(' ')}`);
  const { code } = await exited(start(argv, process.env as Record<string, string>, output, prefix));
  if (code !== 0) throw new Error(`${argv.slice(0, 4).join(' ')} … exited with code ${code}`);
}

/** A short podman command's stdout; its last error line (systemd timer noise aside) when it fails. */
function podman(args: string[]): string {
  try {
    return execFileSync(PODMAN[0], [...PODMAN.slice(1), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim().split('\n').filter((l) => !/systemd/.test(l)).pop();
    throw new Error(`podman ${args.slice(0, 3).join(' ')} failed${stderr ? `: ${stderr}` : ''}`, { cause: error });
  }
}

function podmanExitCode(args: string[]): number {
  try {
    execFileSync(PODMAN[0], [...PODMAN.slice(1), ...args], { stdio: 'ignore', timeout: 30_000 });
    return 0;
  } catch (error) {
    return (error as { status?: number }).status ?? 1;
  }
}

export async function ociBuild(options: OciBuildOptions): Promise<OciBuildReport> {
  const output = options.output ?? ((line: string) => console.log(line));
  const missing = missingPrerequisite();
  if (missing) throw new PrerequisiteError(missing);
  const started = Date.now();
  await ensureBaseImage(output);
  output(`base: ${seconds(started)} s`);
  const image = `localhost/prism-node:oci-check-${randomBytes(4).toString('hex')}`;
  const contextDir = mkdtempSync(join(tmpdir(), 'prism-oci-context-'));
  try {
    const dockerfile = writeContext(options.root, contextDir, options.dockerfile, output);
    const building = Date.now();
    // --format docker keeps HEALTHCHECK (the OCI format has no field for it); --layers=false and
    // --force-rm leave no intermediate images or containers behind, even on a failure.
    await streamed([...PODMAN, 'build', '--pull=never', '--format', 'docker', '--layers=false', '--force-rm', ...ulimitArgs(), '-f', dockerfile, '-t', image, contextDir], output, '   ');
    const buildSeconds = seconds(building);
    output(`build: ${buildSeconds} s`);
    const metadata = checkImageMetadata(image, output);
    const run = await runContainer(image, metadata, options.adminUrl, options.root, output);
    return { image, imageBytes: metadata.size, buildSeconds, ...run };
  } finally {
    rmSync(contextDir, { recursive: true, force: true });
    if (podmanExitCode(['image', 'exists', image]) === 0) podman(['rmi', image]);
    output(`cleanup: image ${image} removed; base ${BASE_IMAGE} kept (podman rmi ${BASE_IMAGE} drops it)`);
  }
}

/** The clean context as a directory (never the working tree's node_modules or dist); the Dockerfile's path in it. */
function writeContext(root: string, dir: string, dockerfile: string | undefined, output: Output): string {
  const context = buildContext(root);
  for (const file of context.files) {
    const to = join(dir, file);
    mkdirSync(dirname(to), { recursive: true });
    if (lstatSync(join(root, file)).isSymbolicLink()) symlinkSync(readlinkSync(join(root, file)), to);
    else copyFileSync(join(root, file), to);
  }
  output(`context: ${context.files.length} files (${context.from} less ${DOCKERIGNORE}) of ${root}, copied to ${dir}`);
  const path = resolve(root, dockerfile ?? 'docker/Dockerfile');
  const inContext = relative(root, path);
  return context.files.includes(inContext) ? join(dir, inContext) : path;
}

interface ImageMetadata {
  size: number;
  port: string;
  healthDeadlineMs: number;
}

/** What `podman image inspect` says the Dockerfile made: the runtime contract docker/README.md describes. */
function checkImageMetadata(image: string, output: Output): ImageMetadata {
  type Healthcheck = { Test?: string[]; StartPeriod?: number; Interval?: number; Retries?: number };
  const [info] = JSON.parse(podman(['image', 'inspect', image])) as [
    { Size: number; Healthcheck?: Healthcheck; Config: { User?: string; Volumes?: Record<string, unknown>; ExposedPorts?: Record<string, unknown>; Cmd?: string[]; Healthcheck?: Healthcheck } },
  ];
  const { User, Volumes, ExposedPorts, Cmd } = info.Config;
  // podman 4.3 reports a Docker-format image's healthcheck beside Config, not in it.
  const Healthcheck = info.Healthcheck ?? info.Config.Healthcheck;
  const problems = [
    User !== 'node' && `User is ${JSON.stringify(User)}, not "node"`,
    !Volumes?.['/data'] && `Volumes ${JSON.stringify(Volumes)} lack /data`,
    !Healthcheck?.Test?.length && 'no Healthcheck',
    !ExposedPorts?.['3000/tcp'] && `ExposedPorts ${JSON.stringify(ExposedPorts)} lack 3000/tcp`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`image metadata: ${problems.join('; ')}`);
  const ns = (value: number | undefined, fallback: number) => (value ?? fallback * 1e9) / 1e6;
  const check = Healthcheck ?? {};
  // Docker's verdict: failures in the start period do not count, then `retries` in a row mean unhealthy.
  const healthDeadlineMs = ns(check.StartPeriod, 0) + ns(check.Interval, 30) * (check.Retries ?? 3);
  output(`image: ${image}, ${(info.Size / 1e6).toFixed(0)} MB; User ${User}; Volumes ${Object.keys(Volumes ?? {}).join(' ')}; ExposedPorts ${Object.keys(ExposedPorts ?? {}).join(' ')}`);
  output(`   Cmd ${JSON.stringify(Cmd)}; Healthcheck ${JSON.stringify(check.Test)} (healthy within ${healthDeadlineMs / 1000} s)`);
  return { size: info.Size, port: Object.keys(ExposedPorts ?? {})[0].split('/')[0], healthDeadlineMs };
}

/** The database URL as the container sees it: a loopback server is reached through slirp4netns. */
export function urlFromContainer(url: string): string {
  const parsed = new URL(url);
  if (['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)) parsed.hostname = HOST_LOOPBACK_FROM_CONTAINER;
  return parsed.toString();
}

async function runContainer(image: string, metadata: ImageMetadata, adminUrl: string | undefined, root: string, output: Output): Promise<Pick<OciBuildReport, 'healthySeconds' | 'migrations'>> {
  const server = await postgresServer(adminUrl, 'oci-build');
  const suffix = randomBytes(4).toString('hex');
  const database = `prism_oci_build_${suffix}`;
  const container = `prism-oci-check-${suffix}`;
  try {
    await withClient(server.adminUrl, (c) => c.query(`CREATE DATABASE "${database}"`));
    const hostPort = await freePort();
    output(`run: ${container}, DATABASE_URL = new database ${database} on ${server.kind}, its port ${metadata.port} published on 127.0.0.1:${hostPort}`);
    const started = Date.now();
    await streamed(
      [
        ...PODMAN, 'run', '-d', '--name', container, ...ulimitArgs(),
        '--network', 'slirp4netns:allow_host_loopback=true', '-p', `127.0.0.1:${hostPort}:${metadata.port}`,
        '-e', `DATABASE_URL=${urlFromContainer(databaseUrl(server.adminUrl, database))}`, '-e', 'NODE_ID=oci-check', image,
      ],
      (line) => !/systemd/.test(line) && output(line), // podman 4.3 wants systemd timers for healthchecks; we run them ourselves
      '   ',
    );
    const healthySeconds = await waitUntilHealthy(container, started, metadata.healthDeadlineMs, output);
    await checkRunningContainer(container, hostPort, output);
    const migrations = await checkMigrations(databaseUrl(server.adminUrl, database), root, output);
    stopContainer(container, output);
    return { healthySeconds, migrations };
  } catch (error) {
    if (podmanExitCode(['container', 'exists', container]) === 0) {
      output(`   last lines of ${container}'s log:`);
      for (const line of podman(['logs', '--tail', '20', container]).split('\n')) output(`   node: ${line}`);
    }
    throw error;
  } finally {
    if (podmanExitCode(['container', 'exists', container]) === 0) podman(['rm', '-f', '-v', container]); // -v: its anonymous /data volume too
    await withClient(server.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)).catch((error: Error) => output(`   could not drop ${database}: ${error.message}`));
    await server.stop();
  }
}

/** The image's own HEALTHCHECK, run by podman inside the container (`podman healthcheck run`), every second. */
async function waitUntilHealthy(container: string, started: number, deadlineMs: number, output: Output): Promise<number> {
  for (let probe = 1; ; probe++) {
    await sleep(1000);
    const status = podman(['inspect', '--format', '{{.State.Status}}', container]).trim();
    if (status !== 'running') throw new Error(`the container is ${status} (exit code ${podman(['inspect', '--format', '{{.State.ExitCode}}', container]).trim()}) before its HEALTHCHECK passed`);
    if (podmanExitCode(['healthcheck', 'run', container]) === 0) {
      const healthy = seconds(started);
      output(`   HEALTHCHECK passed ${healthy} s after start (probe ${probe}); podman ps: ${podman(['ps', '--filter', `name=${container}`, '--format', '{{.Status}}']).trim()}`);
      return healthy;
    }
    if (Date.now() - started > deadlineMs) throw new Error(`HEALTHCHECK did not pass within ${deadlineMs / 1000} s (start period + interval × retries)`);
  }
}

/** The user, the /data volume, PID 1 and the published port, as the running container has them. */
async function checkRunningContainer(container: string, hostPort: number, output: Output): Promise<void> {
  const user = podman(['exec', container, 'id', '-un']).trim();
  if (user !== 'node') throw new Error(`the container runs as ${user}, not node`);
  const mounts = JSON.parse(podman(['inspect', '--format', '{{json .Mounts}}', container])) as { Type: string; Destination: string }[];
  const data = mounts.find((m) => m.Destination === '/data');
  if (data?.Type !== 'volume') throw new Error(`/data is not a volume in the container (mounts: ${JSON.stringify(mounts)})`);
  const written = podman(['exec', container, 'sh', '-c', 'f=/data/.oci-check; echo written > "$f" && cat "$f" && rm "$f"']).trim();
  if (written !== 'written') throw new Error(`/data is not writable by ${user}`);
  const pid1 = podman(['exec', container, 'cat', '/proc/1/cmdline']).split('\0').filter(Boolean).join(' ');
  const health = await fetch(`http://127.0.0.1:${hostPort}/health`);
  if (!health.ok) throw new Error(`GET /health on the published port answered ${health.status}`);
  output(`   runs as ${user}; /data is a volume, writable; PID 1: ${pid1}; GET /health through the published port: ${health.status}`);
}

/** Every migration of the checkout (migrations/*.ts, ALL_MIGRATIONS) is in the database's `migrations` table. */
async function checkMigrations(url: string, root: string, output: Output): Promise<number> {
  const files = readdirSync(join(root, 'migrations')).filter((f) => /^\d+-.+\.ts$/.test(f));
  const rows = await withClient(url, (c) => c.query<{ name: string }>('SELECT name FROM migrations'));
  const applied = new Set(rows.rows.map((r) => r.name));
  const missing = ALL_MIGRATIONS.map((m) => m.name).filter((name) => !applied.has(name));
  if (missing.length || rows.rows.length !== files.length) {
    throw new Error(`migrations: ${rows.rows.length} applied, ${files.length} files in migrations/, ${ALL_MIGRATIONS.length} in ALL_MIGRATIONS; not applied: ${missing.join(', ')}`);
  }
  output(`   the node applied all ${files.length} migrations (migrations/ files = rows of table migrations)`);
  return files.length;
}

/** `podman stop`: SIGTERM, SIGKILL after the grace period; a node that needs the SIGKILL fails the check. */
function stopContainer(container: string, output: Output): void {
  const stopping = Date.now();
  podman(['stop', '-t', String(STOP_GRACE_S), container]);
  const code = Number(podman(['inspect', '--format', '{{.State.ExitCode}}', container]).trim());
  output(`   stop: exited with code ${code} ${seconds(stopping)} s after SIGTERM`);
  if (code !== 0) throw new Error(`the node exited with code ${code} on SIGTERM${code === 137 ? ` (killed: still running ${STOP_GRACE_S} s after SIGTERM)` : ''}`);
}

if (require.main === module) {
  const started = Date.now();
  let root = __dirname; // scripts/docker, or dist/scripts/docker once compiled
  while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
  ociBuild({ root }).then(
    (report) => console.log(`OCI build passed in ${seconds(started).toFixed(0)} s: build ${report.buildSeconds} s, healthy ${report.healthySeconds} s after start, image ${(report.imageBytes / 1e6).toFixed(0)} MB`),
    (error: Error) => {
      console.error(error instanceof PrerequisiteError ? error.message : `OCI build FAILED after ${seconds(started).toFixed(0)} s: ${error.message}`);
      process.exitCode = 1;
    },
  );
}
