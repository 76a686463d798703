import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { BASE_IMAGE, ensureBaseImage, PrerequisiteError } from './oci-base';
import { missingPrerequisite as missingOciPrerequisite, onPath } from './oci-build';
import { ensurePostgresStandIn, POSTGRES_STAND_IN } from './postgres-stand-in';
import { postgresServer } from './run-image';
import { exited, start } from './stage-root';

/**
 * `npm run docker:compose-e2e`: the e2e suite's compose mode (E2E_TARGET=compose: docker/compose.yml
 * built from this checkout and run by testcontainers' DockerComposeEnvironment) where there is no
 * Docker engine, with podman's Docker-compatible API as the engine:
 *  1. `podman system service` on a private socket (DOCKER_HOST), runc, cgroupfs and 16384 ulimits
 *     through CONTAINERS_CONF (docker/README.md, "Real OCI build", says why);
 *  2. the stand-in images, built once and kept: node:20-bookworm-slim (oci-base.ts) and
 *     localhost/prism-standin-postgres:15 (postgres-stand-in.ts, given to compose.yml as
 *     PRISM_POSTGRES_IMAGE);
 *  3. the healthchecks: podman without systemd schedules none, so this script runs
 *     `podman healthcheck run` for each running container of the suite at the container's own interval
 *     (as Docker's engine would), which `depends_on: service_healthy` and Wait.forHealthCheck() read;
 *  4. jest's e2e project on faults and bad-input with E2E_TARGET=compose, TESTCONTAINERS_RYUK_DISABLED
 *     (the Ryuk image cannot be pulled; the harness downs its environments itself), TEST_DATABASE_URL
 *     (the suite's template server: TEST_DATABASE_URL's, else an embedded PostgreSQL);
 *  5. teardown whatever happened: every container, volume and network of a `prism-e2e-*` project, the
 *     service process, its directory. Images stay (the stand-ins, prism-node:local and its build cache).
 * Exits non-zero when a test fails or a step does. Never part of `npm test` or CI.
 */
export const SPECS = ['test/e2e/faults.e2e-spec.ts', 'test/e2e/bad-input.e2e-spec.ts'];
const PROJECT_PREFIX = 'prism-e2e-';
const HEALTH_POLL_MS = 1000;
/** compose.yml's `image:` for the nodes, as podman's API stores it. */
const NODE_IMAGE = 'docker.io/library/prism-node:local';

type Output = (line: string) => void;

const seconds = (since: number) => Number(((Date.now() - since) / 1000).toFixed(1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The compose tool testcontainers will run (as harness/compose-cluster.ts chooses it): the v2 plugin, else standalone docker-compose (v1). */
export function composeTool(): { argv: string[]; version: string } | undefined {
  try {
    const version = execFileSync('docker', ['compose', 'version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0];
    return { argv: ['docker', 'compose'], version };
  } catch {
    // no plugin
  }
  if (!onPath('docker-compose')) return undefined;
  const version = execFileSync('docker-compose', ['version', '--short'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  return { argv: ['docker-compose'], version: `docker-compose ${version} (standalone)` };
}

/** The first thing missing, as one line saying how to install it; undefined when all is there. */
export function missingPrerequisite(path = process.env.PATH ?? ''): string | undefined {
  const oci = missingOciPrerequisite(path);
  if (oci) return oci;
  if (!onPath('docker', path)) return 'docker (the CLI) not found: testcontainers runs `docker compose` (or docker-compose) against the engine';
  return undefined;
}

function podman(args: string[]): string {
  return execFileSync('podman', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function imageId(image: string): string | undefined {
  try {
    return podman(['image', 'inspect', '--format', '{{.Id}}', image]).trim();
  } catch {
    return undefined;
  }
}

function podmanOk(args: string[]): boolean {
  try {
    execFileSync('podman', args, { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** GET /_ping on the socket (the Docker API's liveness endpoint). */
function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

interface Engine {
  dockerHost: string;
  containersConf: string;
  stop(): Promise<void>;
}

/** `podman system service` on a private socket, with the settings this sandbox needs; resolves once /_ping answers. */
async function startEngine(dir: string, output: Output): Promise<Engine> {
  mkdirSync(dir, { recursive: true });
  const containersConf = join(dir, 'containers.conf');
  // podman's default ulimits for root's containers cannot be set here (no CAP_SYS_RESOURCE), and the
  // Docker API refuses per-build --ulimit: defaults for every container and build. crun 1.8 fails on
  // hybrid cgroup hosts: runc.
  writeFileSync(containersConf, '[containers]\ndefault_ulimits = ["nofile=16384:16384", "nproc=16384:16384"]\n\n[engine]\nruntime = "runc"\n');
  const socket = join(dir, 'podman.sock');
  const child = spawn('podman', ['system', 'service', '--time', '0', `unix://${socket}`], {
    env: { ...process.env, CONTAINERS_CONF: containersConf },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(...chunk.toString().split('\n').filter(Boolean).slice(-20)));
  const started = Date.now();
  while (!(existsSync(socket) && (await ping(socket)))) {
    if (child.exitCode !== null) throw new Error(`podman system service exited with code ${child.exitCode}: ${stderr.slice(-3).join(' | ')}`);
    if (Date.now() - started > 30_000) throw new Error('podman system service did not answer on its socket within 30 s');
    await sleep(200);
  }
  output(`engine: podman system service (pid ${child.pid}) answering on unix://${socket} after ${seconds(started)} s`);
  return {
    dockerHost: `unix://${socket}`,
    containersConf,
    stop: () => stopProcess(child, 10_000),
  };
}

async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

/** A container's HEALTHCHECK interval in ms (Docker's default 30 s); Infinity when it has none. */
function healthInterval(id: string): number {
  const [info] = JSON.parse(podman(['inspect', id])) as [{ Config?: { Healthcheck?: { Test?: string[]; Interval?: number } } }];
  const check = info.Config?.Healthcheck;
  if (!check?.Test?.length || check.Test[0] === 'NONE') return Infinity;
  return check.Interval ? check.Interval / 1e6 : 30_000;
}

/**
 * Docker's engine runs each container's HEALTHCHECK every interval; podman without systemd runs none.
 * This loop does it for the suite's containers (a `prism-e2e-*` compose project), each at its own
 * interval from the moment it was seen running (Docker's first probe comes one interval after start).
 */
function driveHealthchecks(output: Output, seen: Set<string>): { stop(): Promise<void> } {
  let running = true;
  const due = new Map<string, number>();
  const loop = (async () => {
    while (running) {
      try {
        const lines = podman(['ps', '--no-trunc', '--filter', `label=com.docker.compose.project`, '--format', '{{.ID}} {{index .Labels "com.docker.compose.project"}}']).split('\n').filter(Boolean);
        const ids = lines.filter((line) => line.split(' ')[1]?.startsWith(PROJECT_PREFIX)).map((line) => line.split(' ')[0]);
        for (const id of ids) seen.add(id);
        for (const id of [...due.keys()]) if (!ids.includes(id)) due.delete(id);
        for (const id of ids) {
          if (!due.has(id)) {
            due.set(id, Date.now() + healthInterval(id));
            continue;
          }
          if (Date.now() < due.get(id)!) continue;
          due.set(id, Date.now() + healthInterval(id));
          podmanOk(['healthcheck', 'run', id]); // its verdict is recorded in the container's State.Health
        }
      } catch (error) {
        // a container removed between ps and inspect: the next round sees the new state
        if (!/no such|not found/i.test(String((error as { stderr?: string }).stderr ?? error))) output(`   healthchecks: ${(error as Error).message.split('\n')[0]}`);
      }
      await sleep(HEALTH_POLL_MS);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/**
 * podman 4.3 leaves the conmon of some `exec` sessions (those of a container killed and started again by
 * the faults spec) running after the container is removed: the ones naming a container of this run
 * (`conmon … -c <id>`) are ended.
 */
function killOrphanedConmons(containerIds: Set<string>, output: Output): void {
  let killed = 0;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'conmon') continue;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const id = argv[argv.indexOf('-c') + 1];
      if (argv.includes('-c') && containerIds.has(id)) {
        process.kill(Number(pid), 'SIGKILL');
        killed++;
      }
    } catch {
      // gone meanwhile
    }
  }
  if (killed) output(`cleanup: ${killed} conmon process(es) of removed containers ended`);
}

/** Every container, volume and network of a `prism-e2e-*` project (an interrupted run's too), by name. */
function removeSuiteResources(output: Output): void {
  const named = (args: string[]) =>
    podman(args)
      .split('\n')
      .filter((name) => name.startsWith(PROJECT_PREFIX));
  const containers = named(['ps', '-a', '--format', '{{.Names}}']);
  if (containers.length) podman(['rm', '-f', '-v', ...containers]);
  const volumes = named(['volume', 'ls', '--format', '{{.Name}}']);
  if (volumes.length) podman(['volume', 'rm', '-f', ...volumes]);
  const networks = named(['network', 'ls', '--format', '{{.Name}}']);
  if (networks.length) podman(['network', 'rm', '-f', ...networks]);
  output(`cleanup: ${containers.length} container(s), ${volumes.length} volume(s), ${networks.length} network(s) of ${PROJECT_PREFIX}* projects were left and are removed`);
}

/**
 * podman 4.3 refuses `host-gateway` in extra_hosts (podman 4.7 added it): compose.yml then takes an
 * address of the host as PRISM_HOST_GATEWAY. The source address of the host's default route: a
 * container reaches it through its bridge and the host delivers it locally, as Docker's host-gateway
 * (the docker0 bridge's address) is reached from any compose network.
 */
export function hostGatewayAddress(): string {
  const route = execFileSync('ip', ['-4', 'route', 'get', '1.1.1.1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const src = /\bsrc (\d+\.\d+\.\d+\.\d+)/.exec(route)?.[1];
  if (!src) throw new Error(`no source address in \`ip route get\`: ${route.trim()}`);
  return src;
}

async function streamed(argv: string[], env: NodeJS.ProcessEnv, output: Output): Promise<void> {
  output(`$ ${argv.join(' ')}`);
  const { code } = await exited(start(argv, env as Record<string, string>, output, '   '));
  if (code !== 0) throw new Error(`${argv.slice(0, 4).join(' ')} … exited with code ${code}`);
}

function runJest(root: string, specs: string[], env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const argv = ['jest', ...specs, '--selectProjects', 'e2e', '--runInBand'];
  output(`$ E2E_TARGET=compose DOCKER_HOST=${env.DOCKER_HOST} … npx ${argv.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn('npx', argv, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

export async function composeE2e(root: string, specs: string[] = SPECS, output: Output = (line) => console.log(line)): Promise<number> {
  const missing = missingPrerequisite();
  if (missing) throw new PrerequisiteError(`compose e2e: ${missing}`);
  const compose = composeTool();
  if (!compose) throw new PrerequisiteError('compose e2e: no compose tool: neither `docker compose` (v2 plugin) nor docker-compose answers; apt-get install docker-compose');
  output(`compose: ${compose.version}`);
  const started = Date.now();
  const dir = `/var/tmp/prism-compose-e2e-${randomBytes(4).toString('hex')}`;
  let engine: Engine | undefined;
  let health: { stop(): Promise<void> } | undefined;
  let server: Awaited<ReturnType<typeof postgresServer>> | undefined;
  const suiteContainers = new Set<string>();
  let previousImage: string | undefined;
  try {
    removeSuiteResources(output);
    await ensureBaseImage(output);
    await ensurePostgresStandIn(output);
    output(`images: ${seconds(started)} s`);
    engine = await startEngine(dir, output);
    server = await postgresServer(undefined, 'compose-e2e');
    output(`suite template server: ${server.kind}`);
    health = driveHealthchecks(output, suiteContainers);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      E2E_TARGET: 'compose',
      DOCKER_HOST: engine.dockerHost,
      CONTAINERS_CONF: engine.containersConf,
      TESTCONTAINERS_RYUK_DISABLED: 'true',
      // testcontainers takes a machine with /.dockerenv (this sandbox has one) for a container and looks
      // for the published ports on the engine's bridge gateway; podman publishes them on this host.
      TESTCONTAINERS_HOST_OVERRIDE: '127.0.0.1',
      PRISM_POSTGRES_IMAGE: POSTGRES_STAND_IN,
      PRISM_HOST_GATEWAY: hostGatewayAddress(),
      TEST_DATABASE_URL: server.adminUrl,
      // The CLI has no buildx here: the legacy builder (which podman's API serves).
      DOCKER_BUILDKIT: '0',
    };
    // The node image once, ahead of the suite: each environment's `up --build` then reuses its layers
    // (the first build of a checkout runs npm ci: minutes, more than a beforeAll allows).
    const building = Date.now();
    previousImage = imageId(NODE_IMAGE);
    await streamed([...compose.argv, '-f', join(root, 'docker/compose.yml'), 'build', 'node-a'], env, output);
    output(`compose build: ${seconds(building)} s`);
    const testsStarted = Date.now();
    const code = await runJest(root, specs, env, output);
    output(`jest: exit code ${code} after ${seconds(testsStarted)} s`);
    return code;
  } finally {
    await health?.stop();
    try {
      if (engine) removeSuiteResources(output);
      // A build of changed sources replaced prism-node:local: the replaced image (untagged now) goes.
      if (previousImage && previousImage !== imageId(NODE_IMAGE) && podmanOk(['rmi', previousImage])) output(`cleanup: the replaced ${NODE_IMAGE} image removed`);
    } catch (error) {
      output(`cleanup failed: ${(error as Error).message}`);
    }
    await engine?.stop();
    killOrphanedConmons(suiteContainers, output);
    rmSync(dir, { recursive: true, force: true });
    await server?.stop();
    output(`cleanup: engine stopped, ${dir} removed; kept: the stand-ins ${BASE_IMAGE} and ${POSTGRES_STAND_IN}, ${NODE_IMAGE} and its build cache (untagged build stages; podman image prune drops them)`);
  }
}

if (require.main === module) {
  const started = Date.now();
  let root = __dirname; // scripts/docker, or dist/scripts/docker once compiled
  while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
  const specs = process.argv.slice(2); // default: SPECS
  composeE2e(root, specs.length ? specs : SPECS).then(
    (code) => {
      console.log(code === 0 ? `compose e2e passed in ${seconds(started).toFixed(0)} s` : `compose e2e FAILED (jest exit code ${code}) after ${seconds(started).toFixed(0)} s`);
      process.exitCode = code === 0 ? 0 : 1;
    },
    (error: Error) => {
      console.error(error instanceof PrerequisiteError ? error.message : `compose e2e FAILED after ${seconds(started).toFixed(0)} s: ${error.message}`);
      process.exitCode = 1;
    },
  );
}
