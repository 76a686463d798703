import { randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { ALL_MIGRATIONS } from '../../migrations';
import { freePort } from '../../src/core/free-port';
import { startTemporaryPostgres } from '../../src/database/embedded-postgres';
import { databaseUrl, withClient } from '../../src/database/pg-admin';
import type { Stage } from './dry-build';
import { containerCommand, exited, StageFilesystem, start } from './stage-root';

/**
 * The dry build's last step, `docker run` of the image it built: the final stage's CMD from that
 * stage's root, as its USER, with DATABASE_URL on a fresh empty database (the node migrates it at
 * start-up, DB_MIGRATIONS_RUN being left to the image), until the stage's HEALTHCHECK command
 * passes inside the container; then `docker stop` and the database is dropped.
 */
export interface RunImageOptions {
  adminUrl?: string;
  output: (line: string) => void;
}

/** Between two health checks: shorter than the image's interval, the verdict is the same, reached sooner. */
const POLL_MS = 1000;
/** `docker stop`'s grace period before SIGKILL. */
const STOP_GRACE_MS = 10_000;

/** The server the test suite would use: the one given, else TEST_DATABASE_URL's, else an embedded PostgreSQL (also oci-build.ts's). */
export async function postgresServer(adminUrl: string | undefined, label = 'dry-build'): Promise<{ adminUrl: string; kind: string; stop(): Promise<void> }> {
  const url = adminUrl ?? process.env.TEST_DATABASE_URL;
  if (url) return { adminUrl: url, kind: `the server at ${new URL(url).host}`, stop: async () => undefined };
  const embedded = await startTemporaryPostgres(label, await freePort());
  return { ...embedded, kind: 'an embedded PostgreSQL' };
}

export async function runImage(stage: Stage, fs: StageFilesystem, { adminUrl, output }: RunImageOptions): Promise<void> {
  const { cmd, healthcheck } = stage;
  if (!cmd || !healthcheck) throw new Error(`the final stage (${stage.name}) needs a CMD and a HEALTHCHECK for the run`);
  const server = await postgresServer(adminUrl);
  const name = `prism_dry_build_${randomBytes(4).toString('hex')}`;
  try {
    await withClient(server.adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
    const port = await freePort();
    output(`run: stage ${stage.name}'s CMD as ${stage.user || 'root'} in ${stage.workdir}, DATABASE_URL = new database ${name} on ${server.kind}`);
    // PORT: the container would have its own network namespace; here it shares this machine's.
    output(`   -e DATABASE_URL=… -e NODE_ID=dry-build -e PORT=${port} (not 3000: this machine's network stands in for the container's)`);
    const env = { ...stage.env, DATABASE_URL: databaseUrl(server.adminUrl, name), NODE_ID: 'dry-build', PORT: String(port) };
    await runUntilHealthy(stage, fs, env, output);
    const applied = await withClient(databaseUrl(server.adminUrl, name), (c) => c.query<{ n: string }>('SELECT count(*) AS n FROM migrations'));
    const count = Number(applied.rows[0].n);
    if (count !== ALL_MIGRATIONS.length) throw new Error(`the node applied ${count} migrations, the checkout has ${ALL_MIGRATIONS.length}`);
    output(`   the node applied all ${count} migrations to the new database`);
  } finally {
    await withClient(server.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch((error: Error) => output(`   could not drop ${name}: ${error.message}`));
    await server.stop();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether the process has entered the container's root yet (its setup shell runs outside first). */
function inContainer(pid: number): boolean {
  try {
    return readlinkSync(`/proc/${pid}/root`) !== '/';
  } catch {
    return false;
  }
}

async function runUntilHealthy(stage: Stage, fs: StageFilesystem, env: Record<string, string>, output: (line: string) => void): Promise<void> {
  const { cmd = [], healthcheck: check } = stage;
  if (!check) return;
  const started = Date.now();
  const child = start(fs.command(stage.root, stage.user, stage.workdir, cmd), env, output, '   node: ');
  let ended: number | undefined;
  const exit = exited(child).then(({ code }) => (ended = code));
  // Docker's verdict: failures in the start period do not count, then `retries` in a row mean unhealthy.
  const deadline = started + check.startPeriodMs + check.intervalMs * check.retries;
  try {
    for (let attempt = 1; ; attempt++) {
      await sleep(POLL_MS);
      if (ended !== undefined) throw new Error(`CMD exited with code ${ended} before its HEALTHCHECK passed`);
      if (!child.pid || !inContainer(child.pid)) continue;
      const probe = start(containerCommand(child.pid, stage.user, stage.workdir, check.command), env, output, '   healthcheck: ');
      const { code, timedOut } = await exited(probe, check.timeoutMs);
      if (code === 0) {
        output(`   HEALTHCHECK passed ${((Date.now() - started) / 1000).toFixed(1)} s after start (probe ${attempt})`);
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`HEALTHCHECK did not pass within ${(deadline - started) / 1000} s (start period + interval × retries); last probe ${timedOut ? 'timed out' : `exited with ${code}`}`);
      }
    }
  } finally {
    if (ended === undefined) {
      child.kill('SIGTERM');
      const stopped = await Promise.race([exit, sleep(STOP_GRACE_MS).then(() => undefined)]);
      if (stopped === undefined) child.kill('SIGKILL');
      output(stopped === undefined ? `   stop: no exit ${STOP_GRACE_MS / 1000} s after SIGTERM, killed` : `   stop: exited with code ${await exit} on SIGTERM`);
      await exit;
    }
  }
}
