import { ChildProcess, spawn } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';

/**
 * Where the dry build's stages live and how their commands run. A stage's root starts empty (its
 * layer) and is the upper layer of an overlay whose lower layers are the base-image stand-in: a
 * small layer with what the node image adds (its `node` user) over this machine's own root (Node on
 * Debian bookworm, like node:20-bookworm-slim). Commands run in a private mount namespace, chrooted
 * into that overlay: absolute paths (`/app`, `/data`) land in the stage's root, never on this
 * machine, and the namespace — with its mounts — ends with the command. Needs root (mount, chroot).
 */
export interface StageRoot {
  /** The stage's layer: everything COPY and RUN wrote, readable by COPY --from. */
  upper: string;
  work: string;
  merged: string;
  /** Where the base layer is mounted for the stage's commands (a tmpfs copy: see MOUNT_AND_CHROOT). */
  base: string;
}

/** Docker's PATH, which the Debian and node images keep. */
export const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class StageFilesystem {
  readonly base: string;

  /**
   * @param storage an empty directory for the base layer and the stage roots (removed by the caller)
   * @param hidden this machine's paths a build must not see (the checkout: only COPY brings files in)
   */
  constructor(
    private readonly storage: string,
    private readonly hidden: string[],
  ) {
    this.base = join(storage, 'base');
  }

  /** The node image's additions to Debian that matter here: user and group `node` (1000), its home. */
  createBaseLayer(): string[] {
    mkdirSync(join(this.base, 'etc'), { recursive: true });
    const notes: string[] = [];
    for (const [file, entry] of [
      ['passwd', 'node:x:1000:1000::/home/node:/bin/bash'],
      ['group', 'node:x:1000:'],
    ]) {
      const host = readFileSync(`/etc/${file}`, 'utf8');
      const has = host.split('\n').some((l) => l.startsWith('node:'));
      writeFileSync(join(this.base, 'etc', file), has ? host : `${host.replace(/\n?$/, '\n')}${entry}\n`);
      if (!has) notes.push(`/etc/${file} += ${entry}`);
    }
    mkdirSync(join(this.base, 'home/node'), { recursive: true });
    chownSync(join(this.base, 'home/node'), 1000, 1000);
    return notes;
  }

  /** An empty root for a new stage. */
  createStage(index: number): StageRoot {
    const dir = join(this.storage, `stage-${index}`);
    const root = { upper: join(dir, 'root'), work: join(dir, 'work'), merged: join(dir, 'merged'), base: join(dir, 'base') };
    for (const path of Object.values(root)) mkdirSync(path, { recursive: true });
    return root;
  }

  /** argv that runs `command` inside the stage as `user` in `workdir` (the environment is the spawn's). */
  command(stage: StageRoot, user: string, workdir: string, command: string[]): string[] {
    const { upper, work, merged, base } = stage;
    return ['unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', MOUNT_AND_CHROOT, 'dry-build', this.base, base, upper, work, merged, ...this.hidden, '--', ...enter(user, workdir, command)];
  }
}

/** argv that runs `command` inside a running container (the process `pid` started by StageFilesystem.command), like `docker exec`. */
export function containerCommand(pid: number, user: string, workdir: string, command: string[]): string[] {
  return ['nsenter', `--target=${pid}`, '--mount', '--root', '--wd', '--', ...enter(user, workdir, command)];
}

// $1 base layer, $2 its mount point, $3 stage root, $4 overlay work dir, $5 root mount point, then
// paths to hide up to `--`, then the command. The base layer is copied onto a tmpfs: overlayfs
// refuses two lower layers on one filesystem when one lies inside the other (this one inside /).
// /tmp is a fresh tmpfs, as in an image; /dev, /proc and /sys are this machine's.
const MOUNT_AND_CHROOT = `set -e
base=$1 lower=$2 upper=$3 work=$4 merged=$5; shift 5
mount -t tmpfs tmpfs "$lower"
cp -a "$base/." "$lower/"
mount -t overlay overlay -o "lowerdir=$lower:/,upperdir=$upper,workdir=$work" "$merged"
for d in /dev /proc /sys; do mount --rbind "$d" "$merged$d"; done
mount -t tmpfs -o mode=1777 tmpfs "$merged/tmp"
while [ "$1" != -- ]; do
  if [ -d "$merged$1" ]; then mount -t tmpfs -o mode=755 tmpfs "$merged$1"; fi
  shift
done
shift
exec chroot "$merged" "$@"`;

// Inside the root: $1 user[:group] ('' = root), $2 working directory, then the command. HOME, when
// the image sets none, is the user's, as Docker does.
const ENTER = `spec=$1 wd=$2; shift 2
user=\${spec%%:*} group=
case $spec in *:*) group=\${spec#*:};; esac
cd "$wd" || exit 125
if [ -z "$HOME" ]; then HOME=$(getent passwd "\${user:-root}" | cut -d: -f6); export HOME="\${HOME:-/}"; fi
case $user in ''|root|0) exec "$@";; esac
exec setpriv --reuid="$user" --regid="\${group:-$(id -g "$user")}" --init-groups -- "$@"`;

function enter(user: string, workdir: string, command: string[]): string[] {
  return ['/bin/sh', '-c', ENTER, 'dry-build', user, workdir, ...command];
}

/** Starts argv with exactly `env`, its output passed to `output` line by line with a prefix. */
export function start(argv: string[], env: Record<string, string>, output: (line: string) => void, prefix: string): ChildProcess {
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) output(`${prefix}${line}`);
    });
    stream?.on('end', () => rest && output(`${prefix}${rest}`));
  }
  return child;
}

/** Exit of a process: its code, or 128 + signal number like a shell; `timeoutMs` kills it (SIGKILL). */
export function exited(child: ChildProcess, timeoutMs?: number): Promise<{ code: number; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), timeoutMs);
    child.once('error', (error) => (clearTimeout(timer), reject(error)));
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? constants.signals[signal] : 0), timedOut });
    });
  });
}
