import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { exited, IMAGE_PATH, start } from './stage-root';

/**
 * The base image for the real OCI build (oci-build.ts). node:20-bookworm-slim cannot be pulled here
 * (no Docker Hub), so a stand-in is built once and kept in podman's storage under the exact name
 * the Dockerfile asks for: Debian bookworm `minbase` from this machine's apt mirror (debootstrap),
 * slimmed like debian:bookworm-slim, plus this machine's Node 20 and npm in /usr/local, the `node`
 * user (uid/gid 1000), the official image's entrypoint, ENV and CMD. How it differs from the
 * official image: docker/README.md ("Real OCI build").
 */
export const BASE_IMAGE = 'docker.io/library/node:20-bookworm-slim';
/** Marks our stand-in, so a real node image (e.g. `podman load`ed) is told apart and used as it is. */
export const STAND_IN_LABEL = 'org.prism.stand-in';

type Output = (line: string) => void;

/** A missing tool or right: the one line to print, with how to get it. */
export class PrerequisiteError extends Error {}

/** The base image to build on: one already in podman's storage (ours or a real one), else a new stand-in. */
export async function ensureBaseImage(output: Output): Promise<void> {
  if (run('podman', ['image', 'exists', BASE_IMAGE], { ok: true }) === 0) {
    const label = run('podman', ['image', 'inspect', '--format', `{{index .Labels "${STAND_IN_LABEL}"}}`, BASE_IMAGE]).trim();
    output(label && label !== '<no value>'
      ? `base: reusing the stand-in ${BASE_IMAGE} (${label}; drop it with: podman rmi ${BASE_IMAGE})`
      : `base: ${BASE_IMAGE} is in podman's storage and is not our stand-in: building on it as it is`);
    return;
  }
  if (!existsSync('/usr/sbin/debootstrap') && !existsSync('/usr/bin/debootstrap')) {
    throw new PrerequisiteError(`debootstrap not found (needed once, to build the stand-in for ${BASE_IMAGE}): apt-get install debootstrap`);
  }
  await buildStandIn(output);
}

/** execFileSync with the output as text; `ok` returns the exit code instead of throwing. */
export function run(file: string, args: string[], options: { ok: true }): number;
export function run(file: string, args: string[]): string;
export function run(file: string, args: string[], options?: { ok: true }): string | number {
  try {
    const out = execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return options?.ok ? 0 : out;
  } catch (error) {
    if (options?.ok) return (error as { status?: number }).status ?? 1;
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`${file} ${args.join(' ')} failed${stderr ? `: ${stderr.split('\n').pop()}` : ''}`, { cause: error });
  }
}

export async function streamed(argv: string[], output: Output, prefix: string): Promise<void> {
  const { code } = await exited(start(argv, process.env as Record<string, string>, output, prefix));
  if (code !== 0) throw new Error(`${argv.join(' ')} exited with code ${code}`);
}

/** The Debian mirror this machine's apt uses (deb822 `URIs:` or a one-line `deb` entry), else deb.debian.org. */
export function debianMirror(): string {
  const files = ['/etc/apt/sources.list', ...listDir('/etc/apt/sources.list.d').map((f) => join('/etc/apt/sources.list.d', f))];
  for (const file of files.filter((f) => /\.(list|sources)$/.test(f) && existsSync(f))) {
    const text = readFileSync(file, 'utf8');
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      if (uri && /^Suites:.*\bbookworm\b/m.test(stanza) && !/security/.test(uri)) return uri;
    }
    const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text);
    if (line) return line[1];
  }
  return 'http://deb.debian.org/debian';
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

async function buildStandIn(output: Output): Promise<void> {
  const started = Date.now();
  const major = process.versions.node.split('.')[0];
  if (major !== '20') output(`   WARNING: this machine's Node is ${process.version}, not 20: the stand-in differs from ${BASE_IMAGE}`);
  const work = mkdtempSync(join(tmpdir(), 'prism-oci-base-'));
  const rootfs = join(work, 'rootfs');
  try {
    const mirror = debianMirror();
    output(`base: ${BASE_IMAGE} is not in podman's storage and cannot be pulled: building a stand-in (debootstrap from ${mirror})`);
    await streamed(['debootstrap', '--variant=minbase', 'bookworm', rootfs, mirror], (line) => /^[EW]:/.test(line) && output(line), '   debootstrap: ');
    unmountUnder(rootfs, output);
    output(`   debootstrap done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    slim(rootfs);
    addNode(rootfs, output);
    addNodeUser(rootfs);
    addEntrypoint(rootfs);
    trustNpmRegistryCa(rootfs, output);
    await importRootfs(rootfs, output);
    output(`base: stand-in ${BASE_IMAGE} built in ${((Date.now() - started) / 1000).toFixed(0)} s (kept in podman's storage; drop it with: podman rmi ${BASE_IMAGE})`);
  } finally {
    unmountUnder(rootfs, output);
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Whatever is still mounted under `dir`, deepest first. debootstrap mounts /proc in the target for its
 * second stage and, on some hosts (a fresh Debian 12 VM here), leaves it mounted: the image's tar
 * would then read the host's /proc into the image, and the temporary directory could not be removed.
 */
export function unmountUnder(dir: string, output: Output): void {
  const mountPoints = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((point): point is string => !!point && point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mountPoints) {
    output(`   unmounting ${point} (left mounted by debootstrap)`);
    if (run('umount', [point], { ok: true }) !== 0) run('umount', ['-l', point]);
  }
}

/** What debian:bookworm-slim leaves out (debuerreotype --slimify): apt's lists and caches, docs but copyrights, man, info, locales. */
export function slim(rootfs: string): void {
  for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    for (const entry of listDir(join(rootfs, dir))) if (entry !== 'partial' && entry !== 'lock') rmSync(join(rootfs, dir, entry), { recursive: true, force: true });
  }
  for (const bin of listDir(join(rootfs, 'var/cache/apt')).filter((f) => f.endsWith('.bin'))) rmSync(join(rootfs, 'var/cache/apt', bin));
  for (const dir of ['usr/share/man', 'usr/share/info', 'usr/share/groff', 'usr/share/lintian', 'usr/share/linda']) {
    for (const entry of listDir(join(rootfs, dir))) rmSync(join(rootfs, dir, entry), { recursive: true, force: true });
  }
  for (const entry of listDir(join(rootfs, 'usr/share/locale'))) if (entry !== 'locale.alias') rmSync(join(rootfs, 'usr/share/locale', entry), { recursive: true, force: true });
  for (const pkg of listDir(join(rootfs, 'usr/share/doc'))) {
    for (const entry of listDir(join(rootfs, 'usr/share/doc', pkg))) if (entry !== 'copyright') rmSync(join(rootfs, 'usr/share/doc', pkg, entry), { recursive: true, force: true });
  }
}

/** This machine's node binary and its npm (and corepack) in /usr/local, where the official image has them. */
function addNode(rootfs: string, output: Output): void {
  const node = realpathSync(process.execPath);
  const modules = join(dirname(dirname(node)), 'lib/node_modules');
  if (!existsSync(join(modules, 'npm'))) throw new Error(`npm not found in ${modules} (beside ${node})`);
  mkdirSync(join(rootfs, 'usr/local/bin'), { recursive: true });
  cpSync(node, join(rootfs, 'usr/local/bin/node'));
  const links: Record<string, string> = { npm: 'npm/bin/npm-cli.js', npx: 'npm/bin/npx-cli.js', corepack: 'corepack/dist/corepack.js' };
  for (const [name, target] of Object.entries(links)) {
    const pkg = target.split('/')[0];
    if (!existsSync(join(modules, pkg))) continue;
    if (!existsSync(join(rootfs, 'usr/local/lib/node_modules', pkg))) cpSync(join(modules, pkg), join(rootfs, 'usr/local/lib/node_modules', pkg), { recursive: true, verbatimSymlinks: true });
    run('ln', ['-sf', `../lib/node_modules/${target}`, join(rootfs, 'usr/local/bin', name)]);
  }
  const npmVersion = (JSON.parse(readFileSync(join(modules, 'npm/package.json'), 'utf8')) as { version: string }).version;
  output(`   Node ${process.version} (${node}) and npm ${npmVersion} (${modules}/npm) in /usr/local`);
}

/** The official image's user: `groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node`. */
function addNodeUser(rootfs: string): void {
  run('chroot', [rootfs, 'groupadd', '--gid', '1000', 'node']);
  run('chroot', [rootfs, 'useradd', '--uid', '1000', '--gid', 'node', '--shell', '/bin/bash', '--create-home', 'node']);
}

/** The official image's docker-entrypoint.sh: a first argument that is an option or no command runs under node. */
function addEntrypoint(rootfs: string): void {
  const path = join(rootfs, 'usr/local/bin/docker-entrypoint.sh');
  writeFileSync(
    path,
    `#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command. The last
# part inside the "{}" is a workaround for the following bug in ash/dash:
# https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=874264
if [ "\${1#-}" != "\${1}" ] || [ -z "$(command -v "\${1}")" ] || { [ -f "\${1}" ] && ! [ -x "\${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
`,
  );
  chmodSync(path, 0o755);
}

/**
 * A sandbox whose TLS to the npm registry goes through an intercepting proxy needs its CA for the
 * build's `npm ci`. Build-time mounts would leave empty mount points in the image (buildah 1.28),
 * so the stand-in itself carries npm's `cafile` when this machine's npm has one. Node's own TLS
 * (the running node) is untouched.
 */
function trustNpmRegistryCa(rootfs: string, output: Output): void {
  const cafile = npmCafile();
  if (!cafile) return;
  mkdirSync(join(rootfs, 'usr/local/share/prism-stand-in'), { recursive: true });
  mkdirSync(join(rootfs, 'usr/local/etc'), { recursive: true });
  cpSync(cafile, join(rootfs, 'usr/local/share/prism-stand-in/npm-ca.crt'));
  writeFileSync(join(rootfs, 'usr/local/etc/npmrc'), 'cafile=/usr/local/share/prism-stand-in/npm-ca.crt\n');
  output(`   npm's cafile (${cafile}) copied in, with /usr/local/etc/npmrc naming it: this machine's npm needs it to reach the registry`);
}

/** This machine's npm `cafile` setting, when it names a file. */
function npmCafile(): string | undefined {
  try {
    const cafile = execFileSync('npm', ['config', 'get', 'cafile'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return cafile && cafile !== 'null' && cafile !== 'undefined' && existsSync(cafile) ? cafile : undefined;
  } catch {
    return undefined;
  }
}

/** `tar | podman import` with the official image's ENV, ENTRYPOINT and CMD, and our label. */
async function importRootfs(rootfs: string, output: Output): Promise<void> {
  const changes = [
    `ENV PATH=${IMAGE_PATH}`,
    `ENV NODE_VERSION=${process.versions.node}`,
    'ENTRYPOINT ["docker-entrypoint.sh"]',
    'CMD ["node"]',
    `LABEL ${STAND_IN_LABEL}="debootstrap bookworm minbase + Node ${process.version} of the build machine"`,
  ];
  const script = `tar --numeric-owner -C "$1" -cf - . | podman import ${changes.map((c) => `--change '${c}'`).join(' ')} --message 'stand-in for ${BASE_IMAGE}' - ${BASE_IMAGE}`;
  await streamed(['/bin/sh', '-c', script, 'import', rootfs], (line) => /^sha256:|rror/.test(line) && output(line), '   import: ');
  output(`   imported as ${BASE_IMAGE}`);
}
