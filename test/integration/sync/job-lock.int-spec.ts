import request from 'supertest';
import { FetchStep } from '../../../src/sync/pull/fetch-step';
import { SyncLock } from '../../../src/sync/pull/sync-lock';
import { laterality } from '../../support/sync-sql';
import { NodePair, startPair } from '../../support/two-nodes';
import { bearer } from '../../support/users';

const SYNC_LOCK_KEY = 0x5052534d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The one-job-at-a-time lock says who holds it, and a finished job never refuses the next one. */
describe('sync job lock', () => {
  let pair: NodePair;

  const startJob = () => request(pair.a.url).post('/api/sync/jobs').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA });
  const state = async (jobId: string) => (await request(pair.a.url).get(`/api/sync/jobs/${jobId}`).set(bearer(pair.adminA))).body as { state: string };
  // pg_locks lists every database's locks: other nodes on the same server (benches, other suites) hold the same key.
  const lockHeld = async () =>
    ((await pair.a.dataSource.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1::oid AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, [SYNC_LOCK_KEY])) as { n: number }[])[0].n > 0;

  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(() => pair?.close());

  it('a pull refused while another is starting names that job, even before its log row exists', async () => {
    // Hold back the first job between taking the lock and writing its sync_logs row.
    const blocker = pair.a.dataSource.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    await blocker.query('LOCK TABLE sync_logs IN EXCLUSIVE MODE');
    let first: Promise<request.Response> | undefined;
    try {
      first = startJob().then((r) => r);
      for (let i = 0; i < 200 && !(await lockHeld()); i++) await sleep(25);
      const second = await startJob();
      expect(second.status).toBe(409);
      expect(second.body.error).toBe('ERR_SYNC_IN_PROGRESS');
      expect(second.body.jobId).toMatch(/^[0-9a-f-]{36}$/);
      await blocker.commitTransaction();
      const started = await first;
      expect(started.status).toBe(202);
      expect(second.body.jobId).toBe(started.body.jobId);
      expect(second.body.message).toContain(started.body.jobId);
    } finally {
      if (blocker.isTransactionActive) await blocker.rollbackTransaction();
      await blocker.release();
      await first;
      for (let i = 0; i < 400 && (await lockHeld()); i++) await sleep(25);
    }
  });

  it('a pull started as soon as the previous job reports completed is accepted, not refused by the lock it is releasing', async () => {
    await laterality(pair.b, 'back-to-back');
    // Widen the moment between "completed" and the release of the lock (cleanup after the commit).
    const fetch = pair.a.app.get(FetchStep);
    const release = fetch.release.bind(fetch);
    const spy = jest.spyOn(fetch, 'release').mockImplementation(async (...args) => {
      await sleep(500);
      return release(...args);
    });
    try {
      const first = await startJob();
      expect(first.status).toBe(202);
      for (let i = 0; i < 400 && (await state(first.body.jobId)).state === 'running'; i++) await sleep(10);
      expect((await state(first.body.jobId)).state).toBe('completed');
      const next = await startJob();
      expect(next.body).toMatchObject({ jobId: expect.any(String) });
      expect(next.status).toBe(202);
      for (let i = 0; i < 400 && (await state(next.body.jobId)).state === 'running'; i++) await sleep(25);
      expect((await state(next.body.jobId)).state).toBe('completed');
    } finally {
      spy.mockRestore();
    }
  });

  it('the lock is taken and released in one statement each: its holder is named, a waiter times out, a released connection has its own name again', async () => {
    const lock = pair.a.app.get(SyncLock);
    const job = '00000000-0000-4000-8000-0000000000aa';
    // The previous test's last job may still be cleaning up.
    for (let i = 0; i < 400 && (await lockHeld()); i++) await sleep(25);
    const held = await lock.tryAcquire(job);
    expect(held).toBeDefined();
    try {
      expect(await lock.owner()).toBe(job);
      expect(await lock.tryAcquire('00000000-0000-4000-8000-0000000000bb')).toBeUndefined();
      const started = Date.now();
      expect(await lock.acquireWithin('00000000-0000-4000-8000-0000000000bb', 200)).toBeUndefined();
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(await lock.owner()).toBe(job);
    } finally {
      await lock.release(held!);
    }
    expect(await lockHeld()).toBe(false);
    const names = (await pair.a.dataSource.query(`SELECT application_name AS name FROM pg_stat_activity WHERE datname = current_database()`)) as { name: string }[];
    expect(names.filter((n) => n.name.startsWith('prism-sync:'))).toEqual([]);
    const again = await lock.acquireWithin(job, 1000);
    expect(again).toBeDefined();
    await lock.release(again!);
  });

  it('the lock and a read share a round trip: the read runs once the lock is held; refused, nothing is kept', async () => {
    const lock = pair.a.app.get(SyncLock);
    const job = '00000000-0000-4000-8000-0000000000cc';
    for (let i = 0; i < 400 && (await lockHeld()); i++) await sleep(25);
    // Fails if the read ran before the lock was taken (or on another connection).
    const ownLock = `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() AND objid = ${SYNC_LOCK_KEY}::oid`;
    const held = await lock.tryAcquireReading<{ n: number }>(job, ownLock);
    expect(held?.rows).toEqual([{ n: 1 }]);
    try {
      expect(await lock.owner()).toBe(job);
      expect(await lock.tryAcquireReading('00000000-0000-4000-8000-0000000000dd', ownLock)).toBeUndefined();
      expect(await lock.owner()).toBe(job);
    } finally {
      await lock.release(held!.lock);
    }
    expect(await lockHeld()).toBe(false);
    const names = (await pair.a.dataSource.query(`SELECT application_name AS name FROM pg_stat_activity WHERE datname = current_database()`)) as { name: string }[];
    expect(names.filter((n) => n.name.startsWith('prism-sync:'))).toEqual([]);
  });

  it('a write and the unlock share a round trip: the write commits before the lock goes; a failed write keeps the lock, rolled back', async () => {
    const lock = pair.a.app.get(SyncLock);
    for (let i = 0; i < 400 && (await lockHeld()); i++) await sleep(25);
    await pair.a.dataSource.query('CREATE TABLE IF NOT EXISTS lock_probe (n int)');
    try {
      const held = await lock.tryAcquire('00000000-0000-4000-8000-0000000000c1');
      // Fails if the unlock ran before the write (the write's statement sees the lock held).
      const rows = await lock.releaseAfter<{ n: number }>(held!, `INSERT INTO lock_probe SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() AND objid = ${SYNC_LOCK_KEY}::oid RETURNING n`);
      expect(rows).toEqual([{ n: 1 }]);
      expect(await lockHeld()).toBe(false);
      expect(await pair.a.dataSource.query('SELECT n FROM lock_probe')).toEqual([{ n: 1 }]);
      const names = (await pair.a.dataSource.query(`SELECT application_name AS name FROM pg_stat_activity WHERE datname = current_database()`)) as { name: string }[];
      expect(names.filter((n) => n.name.startsWith('prism-sync:'))).toEqual([]);

      const again = await lock.tryAcquire('00000000-0000-4000-8000-0000000000c2');
      await expect(lock.releaseAfter(again!, 'INSERT INTO lock_probe VALUES (1 / 0)')).rejects.toThrow(/division by zero/);
      expect(await lockHeld()).toBe(true);
      // The connection is usable (its transaction rolled back): the usual release ends the lock.
      expect(await again!.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await lock.release(again!);
      expect(await lockHeld()).toBe(false);
      expect(await pair.a.dataSource.query('SELECT n FROM lock_probe')).toEqual([{ n: 1 }]);
    } finally {
      await pair.a.dataSource.query('DROP TABLE lock_probe');
    }
  });

  it('a pull of an unknown peer is refused as such (404) whoever holds the lock, and leaves the lock as it was', async () => {
    const lock = pair.a.app.get(SyncLock);
    const unknown = '00000000-0000-4000-8000-0000000000ee';
    const pullUnknown = () => request(pair.a.url).post('/api/sync/pull').set(bearer(pair.adminA)).send({ remoteNodeId: unknown });
    for (let i = 0; i < 400 && (await lockHeld()); i++) await sleep(25);
    expect((await pullUnknown()).body.error).toBe('ERR_NODE_NOT_FOUND');
    expect(await lockHeld()).toBe(false);
    const job = '00000000-0000-4000-8000-0000000000ff';
    const held = await lock.tryAcquire(job);
    try {
      expect((await pullUnknown()).body.error).toBe('ERR_NODE_NOT_FOUND');
      expect(await lock.owner()).toBe(job);
    } finally {
      await lock.release(held!);
    }
  });
});
