import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { freePort } from '../../support/pg-server';
import { DockerComposeEnvironment, getContainerRuntimeClient, StartedDockerComposeEnvironment, Wait } from 'testcontainers';
import { FaultProxy } from './fault-proxy';
import { login } from './http';
import { E2E_NODE_ENV, E2ENode, introduceProcesses, NodeRuntime, ProcessPair } from './process-cluster';

const COMPOSE_DIR = resolve(__dirname, '../../../docker');
const NODE_PORT = 3000;
const DATA_DIR = '/data';

type ServiceName = 'node-a' | 'node-b';
const SERVICES: Record<ServiceName, { database: string }> = { 'node-a': { database: 'prism_a' }, 'node-b': { database: 'prism_b' } };

/**
 * An override next to docker/compose.yml for one run: the suite's settings, no restart policy (a
 * `kill -9` must stay dead until the suite starts the node again), and PostgreSQL published on an
 * ephemeral loopback port for the harness's seeding and inspection SQL (compose.yml itself need not
 * publish it). JSON is YAML, so no serializer.
 */
function writeOverride(env: Partial<Record<ServiceName, Record<string, string>>>): string {
  const services: Record<string, unknown> = Object.fromEntries(
    Object.entries(env).map(([service, settings]) => [service, { restart: 'no', environment: { LOG_LEVEL: 'warn', ...settings } }]),
  );
  services.postgres = { ports: ['127.0.0.1::5432'] };
  const file = join(mkdtempSync(join(tmpdir(), 'prism-e2e-compose-')), 'compose.e2e.yml');
  writeFileSync(file, JSON.stringify({ services }, null, 2));
  return file;
}

/**
 * testcontainers runs `docker compose` (v2). Where that plugin is missing and only the standalone
 * docker-compose (v1, e.g. Debian 12's 1.29) is installed, it runs that instead; E2E_COMPOSE=docker-compose
 * forces the standalone one. Either talks to the engine at DOCKER_HOST.
 */
function composeExecutable(): { standalone: true; executablePath: string } | undefined {
  if (process.env.E2E_COMPOSE === 'docker-compose') return { standalone: true, executablePath: 'docker-compose' };
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return { standalone: true, executablePath: 'docker-compose' };
  }
}

/** One node container of the compose environment, driven through the container engine's API. */
export class ComposeNode implements NodeRuntime {
  private up = true;

  constructor(
    readonly options: { nodeId: string; nodeName: string },
    readonly containerId: string,
    readonly url: string,
  ) {}

  get running(): boolean {
    return this.up;
  }

  private async container() {
    const client = await getContainerRuntimeClient();
    return { client, container: client.container.getById(this.containerId) };
  }

  /** Starts the stopped container and waits until /health answers 200. */
  async start(): Promise<void> {
    const { client, container } = await this.container();
    await client.container.start(container);
    this.up = true;
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`container ${this.options.nodeId} did not become healthy (docker logs ${this.containerId})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** `docker kill` (SIGKILL to the node, no shutdown hook); resolves when the container has exited. */
  async kill9(): Promise<void> {
    if (!this.up) return;
    const { container } = await this.container();
    await container.kill({ signal: 'SIGKILL' });
    await container.wait();
    this.up = false;
  }

  async restart(): Promise<void> {
    await this.kill9();
    await this.start();
  }

  async ensureRunning(): Promise<void> {
    if (!this.up) await this.start();
  }

  /** The environment is taken down (with its volumes) by the cluster. */
  async close(): Promise<void> {}

  /** Runs a command in the container (as its `node` user, with the node's environment). */
  private async exec(command: string[]): Promise<string> {
    const { client, container } = await this.container();
    const result = await client.container.exec(container, command);
    if (result.exitCode !== 0) throw new Error(`${command.join(' ')} in ${this.options.nodeId} exited with ${result.exitCode}: ${result.stderr || result.output}`);
    return result.stdout;
  }

  /** `prism-node <args>` inside the container (it has the node's DATABASE_URL and DATA_DIR). */
  cli(args: string[]): Promise<string> {
    return this.exec(['node', 'bin/prism-node.js', ...args]);
  }

  async readDataFile(path: string): Promise<Buffer> {
    return Buffer.from(await this.exec(['cat', `${DATA_DIR}/${path}`]), 'utf8');
  }

  async listDataDir(path: string): Promise<string[]> {
    const out = await this.exec(['sh', '-c', 'if [ -d "$1" ]; then ls -A "$1"; fi', 'sh', `${DATA_DIR}/${path}`]);
    return out.split('\n').filter((name) => name !== '');
  }

  /** sha256sum of every file (sorted relative paths) in the container but `skip` names, hashed once more here. */
  async hashDataDir(path: string, skip: (name: string) => boolean = () => false): Promise<string> {
    const listing = await this.exec([
      'sh',
      '-c',
      'if [ -d "$1" ]; then cd "$1" && find . -type f | LC_ALL=C sort | while IFS= read -r f; do sha256sum "$f"; done; fi',
      'sh',
      `${DATA_DIR}/${path}`,
    ]);
    const kept = listing.split('\n').filter((line) => line !== '' && !skip(line.slice(line.lastIndexOf('/') + 1)));
    return createHash('sha256').update(kept.join('\n')).digest('hex');
  }
}

/** The compose environment of docker/compose.yml (built from this checkout) with the given services up. */
export class ComposeCluster {
  private downed?: Promise<void>;

  private constructor(
    private readonly environment: StartedDockerComposeEnvironment,
    private readonly projectName: string,
    private readonly override: string,
  ) {}

  static async up(env: Partial<Record<ServiceName, Record<string, string>>>): Promise<ComposeCluster> {
    const override = writeOverride(env);
    const projectName = `prism-e2e-${randomBytes(4).toString('hex')}`;
    const executable = composeExecutable();
    const environment = await new DockerComposeEnvironment(COMPOSE_DIR, ['compose.yml', override])
      .withProjectName(projectName)
      .withClientOptions(executable ? { executable } : {})
      // compose.yml's host ports (3001, 3002 by default) may be taken on this host: free ones instead.
      .withEnvironment({ PRISM_NODE_A_PORT: String(await freePort()), PRISM_NODE_B_PORT: String(await freePort()) })
      .withBuild()
      .withDefaultWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(300_000)
      .up(['postgres', ...Object.keys(env)]);
    return new ComposeCluster(environment, projectName, override);
  }

  /** A service's (only) container: `<service>-1` as compose v2 names it, `<project>_<service>_1` as v1 does. */
  private container(service: ServiceName | 'postgres') {
    try {
      return this.environment.getContainer(`${service}-1`);
    } catch {
      return this.environment.getContainer(`${this.projectName}_${service}_1`);
    }
  }

  /** A node of the environment, with an Admin created by the CLI in its container and logged in. */
  async node(service: ServiceName, nodeName: string): Promise<E2ENode> {
    const container = this.container(service);
    const url = `http://${container.getHost()}:${container.getMappedPort(NODE_PORT)}`;
    const proc = new ComposeNode({ nodeId: service, nodeName }, container.getId(), url);
    // postgres publishes 5432 on an ephemeral host port (the override) for seeding and inspection SQL.
    const postgres = this.container('postgres');
    const db = {
      // The database lives in the compose environment: dropping it takes the environment down.
      url: `postgres://prism:prism@${postgres.getHost()}:${postgres.getMappedPort(5432)}/${SERVICES[service].database}`,
      drop: () => this.down(),
    };
    const adminLogin = { login: `admin-${service}`, password: `pw-${randomBytes(9).toString('hex')}` };
    await proc.cli(['user:create', '--login', adminLogin.login, '--password', adminLogin.password, '--role', 'Admin']);
    return { proc, db, url, admin: await login(url, adminLogin.login, adminLogin.password), adminLogin };
  }

  /** Stops and removes the containers, their volumes (databases, DATA_DIRs) and the override file. Idempotent. */
  down(): Promise<void> {
    this.downed ??= this.environment.down({ removeVolumes: true }).then(() => rmSync(dirname(this.override), { recursive: true, force: true }));
    return this.downed;
  }
}

/** The NODE_IDs in docker/compose.yml are fixed; the suite's names for them are labels only. */
export async function startComposeNode(nodeName: string, env: Record<string, string>): Promise<E2ENode> {
  const cluster = await ComposeCluster.up({ 'node-a': env });
  return cluster.node('node-a', nodeName);
}

/**
 * node-a and node-b of docker/compose.yml; A registered at B and B added on A at the host-side fault
 * proxy (`host.docker.internal`, extra_hosts in compose.yml), which forwards to B's published port.
 */
export async function startComposePair(envA: Record<string, string> = {}, envB: Record<string, string> = {}): Promise<ProcessPair> {
  const cluster = await ComposeCluster.up({ 'node-a': { ...E2E_NODE_ENV, ...envA }, 'node-b': { ...E2E_NODE_ENV, ...envB } });
  try {
    const [a, b] = await Promise.all([cluster.node('node-a', 'PRISM node A'), cluster.node('node-b', 'PRISM node B')]);
    const proxy = new FaultProxy(b.url);
    await proxy.start('0.0.0.0');
    const proxyPort = new URL(proxy.url).port;
    const peerOnA = await introduceProcesses(a, b, `http://host.docker.internal:${proxyPort}`);
    return {
      a,
      b,
      proxy,
      peerOnA,
      close: async () => {
        await proxy.close();
        await cluster.down();
      },
    };
  } catch (error) {
    await cluster.down();
    throw error;
  }
}
