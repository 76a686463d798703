import { IncomingMessage } from 'node:http';
import { DataSource } from 'typeorm';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { NodeChannelClientFactory } from '../../../src/node-trust/client/node-channel-client.factory';
import { ExportWindows } from '../../../src/sync/export/export-windows';
import type { SyncManifest } from '../../../src/sync/export/export.types';
import { SyncLock, SyncLockHandle } from '../../../src/sync/pull/sync-lock';
import { SyncLogs } from '../../../src/sync/pull/sync-logs';
import { BULK_HTTP_ENV } from '../../support/dataset';
import { eventually } from '../../support/eventually';
import { laterality, lateralityRow } from '../../support/sync-sql';
import { NodePair, pull, startPair } from '../../support/two-nodes';

/** Statements that write, or open a transaction (TypeORM's BEGIN / START TRANSACTION). */
const WRITE = /^\s*(INSERT|UPDATE|DELETE|MERGE|COPY|TRUNCATE|CREATE|ALTER|DROP|LOCK|BEGIN|START\s+TRANSACTION|SET\s+LOCAL)\b/i;

/** The source's statements on its record of where a peer stands (BundlePositions: its write, its read). */
const POSITION_STATEMENT = /^\s*(INSERT INTO bundle_positions|SELECT peer_node_id AS "remoteNodeId"[\s\S]* WHERE peer_node_id = \$1$)/;

/** A read of one job's row (SyncLogs.get), not the apply's FOR KEY SHARE of it. */
const JOB_ROW_READ = /^SELECT id, remote_node_id[\s\S]* FROM sync_logs WHERE id = \$1$/;

/**
 * A pull with nothing to do (issue 18): one request to the source (the manifest, which exports no
 * snapshot and needs no window/close) and one write on the requester (its completed sync log row,
 * no apply transaction) — and it never skips a transaction that commits at the source later.
 */
describe('no-op pull', () => {
  let pair: NodePair;
  let sourceRequests: string[] = [];
  let requesterWrites: string[] = [];
  /** The requester's reads of one job's row (the operator's answer reads none after a no-op's write). */
  let rowReads = 0;
  let recording = false;
  /** The source's statements on bundle_positions (its record of where the requester stands). */
  let positionStatements: string[] = [];
  const query = PostgresQueryRunner.prototype.query;

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
    pair.b.app.getHttpServer().on('request', (req: IncomingMessage) => {
      if (recording) sourceRequests.push(`${req.method} ${req.url?.split('?')[0]}`);
    });
    // Counts the requester's statements (a spy: every statement still runs).
    jest.spyOn(PostgresQueryRunner.prototype, 'query').mockImplementation(function (this: PostgresQueryRunner, sql: string, ...rest: unknown[]) {
      if (recording && (this.connection as DataSource) === pair.a.dataSource && WRITE.test(sql)) requesterWrites.push(sql.trim().split(/\s+/).slice(0, 3).join(' '));
      if (recording && (this.connection as DataSource) === pair.a.dataSource && JOB_ROW_READ.test(sql)) rowReads++;
      if ((this.connection as DataSource) === pair.b.dataSource && POSITION_STATEMENT.test(sql)) positionStatements.push(sql.trim().split(/\s+/).slice(0, 3).join(' '));
      return (query as (...args: unknown[]) => Promise<unknown>).call(this, sql, ...rest);
    } as typeof query);
    // A no-op's row goes with the unlock in one round trip, on the lock's connection (SyncLock.releaseAfter:
    // BEGIN; the write; COMMIT; unlock): its one write is counted here.
    const releaseAfter = SyncLock.prototype.releaseAfter;
    jest.spyOn(SyncLock.prototype, 'releaseAfter').mockImplementation(function (this: SyncLock, handle: SyncLockHandle, write: string) {
      if (recording && (handle.connection as DataSource) === pair.a.dataSource && WRITE.test(write)) requesterWrites.push(write.trim().split(/\s+/).slice(0, 3).join(' '));
      return releaseAfter.call(this, handle, write);
    } as typeof releaseAfter);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await pair?.close();
  });

  /** A pull from B into A, with B's requests and A's writes while it ran. */
  const counted = async () => {
    [sourceRequests, requesterWrites, recording] = [[], [], true];
    try {
      const res = await pull(pair);
      if (res.status !== 200) throw new Error(`pull failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { received: res.body.summary.totals.received as number, status: res.body.status as string, sourceRequests, requesterWrites };
    } finally {
      recording = false;
    }
  };

  const lastLog = async () => {
    const [row]: { status: string; cursor_from: string | null; cursor_to: string | null; local_apply_xid: string | null }[] = await pair.a.dataSource.query(
      `SELECT status, cursor_from, cursor_to, local_apply_xid::text FROM sync_logs ORDER BY started_at DESC LIMIT 1`,
    );
    return row;
  };

  it('a pull with nothing to do is one manifest request and one write (the completed log row)', async () => {
    await laterality(pair.b, 'n1');
    const first = await counted();
    expect(first.received).toBeGreaterThan(0);
    // The first pull of a kept session shakes hands; the export window is opened and closed.
    expect(first.sourceRequests).toEqual(expect.arrayContaining(['POST /api/sync/manifest', 'POST /api/sync/window/close']));
    const applied = await lastLog();

    const noop = await counted();
    expect(noop).toEqual({ received: 0, status: 'completed', sourceRequests: ['POST /api/sync/manifest'], requesterWrites: ['INSERT INTO sync_logs'] });
    const row = await lastLog();
    expect(row).toMatchObject({ status: 'completed', cursor_from: applied.cursor_to, local_apply_xid: applied.local_apply_xid });
    expect(row.cursor_to).toEqual(expect.any(String));
  });

  it('the answer to a no-op pull tells what its row says, taken from its one write (no read of the row)', async () => {
    [rowReads, recording] = [0, true];
    const res = await pull(pair).finally(() => (recording = false));
    expect(res.status).toBe(200);
    expect(rowReads).toBe(0);
    const row = await pair.a.app.get(SyncLogs).get(res.body.jobId as string);
    expect(res.body).toMatchObject({ status: 'completed', jobId: row!.id, remoteNodeId: row!.remoteNodeId, startedAt: row!.startedAt, completedAt: row!.completedAt });
    expect(row!.completedAt).toEqual(expect.any(String));
  });

  it('the answer to a pull that applied rows is taken from the write that completed its row, inside the apply (no read of the row)', async () => {
    await laterality(pair.b, 'answered');
    [rowReads, recording] = [0, true];
    const res = await pull(pair).finally(() => (recording = false));
    expect(res.status).toBe(200);
    expect(res.body.summary.totals.received).toBe(1);
    expect(rowReads).toBe(0);
    const row = await pair.a.app.get(SyncLogs).get(res.body.jobId as string);
    expect(res.body).toMatchObject({ status: 'completed', jobId: row!.id, remoteNodeId: row!.remoteNodeId, startedAt: row!.startedAt, completedAt: row!.completedAt });
  });

  it('a transaction open at the source during no-op pulls is delivered by the pull after it commits', async () => {
    const held = pair.b.dataSource.createQueryRunner();
    await held.connect();
    try {
      await held.query('BEGIN');
      await held.query(`INSERT INTO snomed_laterality (code, display_name, description, is_active) VALUES ('n-late', 'late', 'd', true)`);
      for (let i = 0; i < 2; i++) expect(await counted()).toMatchObject({ received: 0, sourceRequests: ['POST /api/sync/manifest'], requesterWrites: ['INSERT INTO sync_logs'] });
      await held.query('COMMIT');
    } finally {
      await held.release();
    }
    const after = await counted();
    expect(after.received).toBe(1);
    expect(await lateralityRow(pair.a, 'n-late')).toEqual(await lateralityRow(pair.b, 'n-late'));
    expect((await counted()).received).toBe(0);
  });

  it('the source moves the puller\'s position in one statement a pull, and never back over a later one', async () => {
    const position = async () => ((await pair.b.dataSource.query(`SELECT cursor FROM bundle_positions`)) as { cursor: string }[]).map((r) => r.cursor);
    // The position a pull records is the cursor it sent: the previous pull's next cursor (cursor_from of its row).
    const recorded = async () => {
      const sent = (await lastLog()).cursor_from;
      await eventually('the position of the last pull', async () => ((await position()).join() === sent ? true : undefined), 10);
    };
    await counted();
    await recorded();
    positionStatements = [];
    await counted();
    await recorded();
    expect(positionStatements).toEqual(['INSERT INTO bundle_positions']);

    // Another writer moves it beyond what the next pull sends (a cursor of B as it is now; the
    // manifest asked with the position already recorded moves nothing).
    const client = pair.a.app.get(NodeChannelClientFactory).create({ url: pair.b.url });
    await client.connect();
    const later = await client
      .invoke<SyncManifest>('POST', '/api/sync/manifest', { cursor: (await lastLog()).cursor_from }, { 'x-sync-protocol': '2' })
      .finally(() => client.close());
    await pair.b.dataSource.query(`UPDATE bundle_positions SET cursor = $1`, [later.window!.nextCursor]);
    positionStatements = [];
    await counted();
    // The compare-and-set finds another position, reads it, and leaves the later one.
    await eventually('the read after the compare-and-set', async () => (positionStatements.length === 2 ? true : undefined), 10);
    await new Promise((r) => setTimeout(r, 300));
    expect(positionStatements).toEqual(['INSERT INTO bundle_positions', 'SELECT peer_node_id AS']);
    expect(await position()).toEqual([later.window!.nextCursor]);
  });

  it('a puller that does not know `empty` still works: the empty window holds no snapshot, its pages are empty, closing it does nothing', async () => {
    const [{ cursor }]: { cursor: string }[] = await pair.a.dataSource.query(
      `SELECT cursor_to AS cursor FROM sync_logs WHERE status = 'completed' AND kind = 'pull' ORDER BY completed_at DESC LIMIT 1`,
    );
    const client = pair.a.app.get(NodeChannelClientFactory).create({ url: pair.b.url });
    await client.connect();
    try {
      const manifest = await client.invoke<SyncManifest>('POST', '/api/sync/manifest', { cursor }, { 'x-sync-protocol': '2' });
      expect(manifest.window).toMatchObject({ empty: true, reset: false, nextCursor: expect.any(String) });
      expect(manifest.feeds!.every((f) => f.rows + f.tombstones === 0)).toBe(true);
      expect(pair.b.app.get(ExportWindows).openCount).toBe(0);
      for (const feed of manifest.feeds!) {
        const page = await client.invoke<{ data: unknown[]; deleted: unknown[]; next: string | null }>('GET', `/api/sync/${feed.route}?window=${manifest.window!.token}&pageSize=10`);
        expect({ route: feed.route, ...page }).toMatchObject({ route: feed.route, data: [], deleted: [], next: null });
      }
      expect(await client.invoke('POST', '/api/sync/window/close', { window: manifest.window!.token })).toEqual({ closed: false });
    } finally {
      await client.close();
    }
  });

  it('a change committed between two pulls is not a no-op', async () => {
    await laterality(pair.b, 'n2');
    const res = await counted();
    expect(res.received).toBe(1);
    expect(res.sourceRequests).toContain('POST /api/sync/window/close');
  });
});
