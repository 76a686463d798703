import { Client } from 'pg';
import { feedTables } from '../../src/sync/export/export.types';
import { call } from './harness/http';
import { FAULT_CASES, FaultCase, ProcessFault } from './harness/fault-cases';
import { FaultRule, ProxiedRequest } from './harness/fault-proxy';
import type { ProcessPair } from './harness/process-cluster';
import { keptEntry, latestLog, pullFrom, requesterState, stagingEntries, verifyOf } from './harness/requester';
import { SourceData } from './harness/source-data';
import { recordSummary } from './harness/summary';
import { startPair } from './harness/target';

const REQUESTER_ENV = { SYNC_PULL_PAGE_SIZE: '1', SYNC_RETRY_ATTEMPTS: '3', SYNC_PEER_TIMEOUT_MS: '3000' };

/** The puller's `after` token (plaintext in the query) points past the feed's tables: a tombstone page. */
function tombstonePageOf(tableCount: number) {
  return (req: ProxiedRequest) => {
    const after = req.url.searchParams.get('after');
    if (!after) return false;
    try {
      return JSON.parse(Buffer.from(after, 'base64url').toString('utf8')).t === tableCount;
    } catch {
      return false;
    }
  };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('fault injection: two node processes, A pulls from B through a fault proxy', () => {
  let pair: ProcessPair;
  let source: SourceData;
  let passed = 0;
  const failed: string[] = [];

  beforeAll(async () => {
    pair = await startPair(REQUESTER_ENV);
    source = await SourceData.open(pair.b);
    await source.seed();
    const first = await pullFrom(pair.a, pair.peerOnA);
    if (first.status !== 200) throw new Error(`first pull failed: ${first.status} ${JSON.stringify(first.body)}`);
  }, 180_000);

  afterAll(async () => {
    recordSummary({ spec: 'faults', scenarios: passed + failed.length, faultPoints: FAULT_CASES.length, failures: failed.length, notes: failed.map((f) => `FAILED: ${f}`) });
    await source?.close();
    await pair?.close();
  }, 60_000);

  const rulesFor = (fault: FaultCase): FaultRule[] =>
    fault.rules?.({ tombstonePage: tombstonePageOf(feedTables(source.catalog.feed('volunteers')!).length) }) ?? [];

  /** Runs a process fault; returns the outcome the operator sees (pull answer or the job's final state). */
  async function runProcessFault(fault: ProcessFault): Promise<{ status: number; error?: string }> {
    const { a, b, proxy, peerOnA } = pair;
    if (fault.kind === 'kill-source') {
      proxy.setRules([{ path: fault.at, nth: fault.nth, action: { kind: 'hook', run: () => b.proc.kill9() } }]);
      const res = await pullFrom(a, peerOnA);
      await b.proc.start();
      return { status: res.status, error: res.body?.error };
    }
    const job = await call(a.url, 'POST', '/api/sync/jobs', { token: a.admin, body: { remoteNodeId: peerOnA } });
    expect(job.status).toBe(202);
    if (fault.kind === 'kill-requester-fetch') {
      let killed: Promise<void> | undefined;
      proxy.setRules([{ path: fault.at, nth: fault.nth, action: { kind: 'hook', run: () => (killed = a.proc.kill9()) } }]);
      await waitFor('the requester to be killed mid-fetch', async () => killed !== undefined);
      await killed;
    } else {
      // Hold a lock the apply needs, so the kill lands inside the apply transaction.
      const blocker = new Client({ connectionString: a.db.url });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query(`LOCK TABLE "${fault.lockTable}" IN SHARE MODE`);
        await waitFor('the apply to wait on the lock', async () => {
          const { rows } = await blocker.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
          return rows[0].n > 0;
        });
        await a.proc.kill9();
        await blocker.query('ROLLBACK');
        // The killed node's backends notice the closed sockets and end (with them the advisory lock).
        await waitFor('the killed requester`s sessions to end', async () => {
          const { rows } = await blocker.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
          return rows[0].n === 0;
        });
      } finally {
        await blocker.end();
      }
    }
    proxy.clear();
    await a.proc.start();
    const state = await call(a.url, 'GET', `/api/sync/jobs/${job.body.jobId}`, { token: a.admin });
    return { status: state.body.state === 'completed' ? 200 : 500, error: state.body.error?.code };
  }

  it.each(FAULT_CASES.map((c) => [c.phase, c.name, c] as const))('[%s] %s', async (_phase, name, fault) => {
    const { a, b, proxy, peerOnA } = pair;
    try {
      await Promise.all([a.proc.ensureRunning(), b.proc.ensureRunning()]);
      proxy.clear();
      await source.change({ recording: true, extraRecordings: fault.extraFiles });
      // The requester keeps its channel and session between pulls: a source restart makes it shake hands again.
      if (fault.phase === 'handshake') await b.proc.restart();
      const before = await requesterState(a);
      let outcome: { status: number; error?: string };
      if (fault.process) {
        outcome = await runProcessFault(fault.process);
      } else {
        proxy.setRules(rulesFor(fault));
        const res = await pullFrom(a, peerOnA);
        outcome = { status: res.status, error: res.body?.error };
        expect({ faultFired: proxy.faultsInjected > 0 }).toEqual({ faultFired: true });
      }
      proxy.clear();
      proxy.dropConnections();

      if (fault.expect.outcome === 'converges') {
        expect(outcome).toEqual({ status: 200, error: undefined });
      } else {
        expect(outcome.status).toBeGreaterThanOrEqual(400);
        expect(outcome.error).toMatch(fault.expect.code);
        // Nothing of the failed pull is visible: same rows, same file store bytes (but what a kept
        // staging stored), no staging left but the one kept for a transient failure.
        expect(await requesterState(a)).toEqual(before);
        const staged = await stagingEntries(a);
        expect(staged.filter((e) => e !== keptEntry(peerOnA))).toEqual([]);
        if (fault.resumes) expect(staged).toEqual([keptEntry(peerOnA)]);
        const log = await latestLog(a, peerOnA);
        expect({ status: log.status, code: log.errorCode }).toEqual({ status: fault.expect.status, code: expect.stringMatching(fault.expect.code) });
        expect(log.errorMessage).toEqual(expect.any(String));
        // A clean retry converges (continuing the kept window, without fetching its pages again).
        const retry = await pullFrom(a, peerOnA);
        expect({ status: retry.status, body: retry.status === 200 ? 'ok' : retry.body }).toEqual({ status: 200, body: 'ok' });
        const retried = await latestLog(a, peerOnA);
        // (A kept window the restarted source no longer holds is dropped: that retry starts afresh.)
        if (fault.resumes) expect({ resumedFrom: retried.resumed?.fromJobId }).toEqual({ resumedFrom: log.id });
        else expect([null, log.id]).toContain(retried.resumed?.fromJobId ?? null);
        expect(await stagingEntries(a)).toEqual([]);
      }
      const [va, vb] = await Promise.all([verifyOf(a), verifyOf(b)]);
      expect(va.files.missing).toEqual([]);
      expect(va.digest).toBe(vb.digest);
      passed++;
    } catch (error) {
      failed.push(name);
      throw error;
    }
  }, 120_000);
});
