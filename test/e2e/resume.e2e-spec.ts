import { call } from './harness/http';
import { FaultRule, ProxiedRequest } from './harness/fault-proxy';
import type { ProcessPair } from './harness/process-cluster';
import { keptEntry, latestLog, pullFrom, stagingEntries, verifyOf } from './harness/requester';
import { RECORDING_BYTES, SourceData } from './harness/source-data';
import { recordSummary } from './harness/summary';
import { startPair } from './harness/target';

/** One row per page, few retries: a fetch of many pages that fails fast. */
const REQUESTER_ENV = { SYNC_PULL_PAGE_SIZE: '1', SYNC_RETRY_ATTEMPTS: '3', SYNC_PEER_TIMEOUT_MS: '3000' };
const FEED_PAGE = /^\/api\/sync\/(?!manifest|window|recordings)/;
const STREAM = /^\/api\/sync\/recordings\/[^/]+\/stream$/;

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Issue 19 item 5 with real node processes: the puller (A) is killed with -9 in the middle of a
 * pull's fetch; after its restart, the next pull from the same source continues the kept export
 * window from the last staged page instead of fetching it all again.
 */
describe('resumable pulls: kill -9 of the puller mid-fetch, two node processes', () => {
  let pair: ProcessPair;
  let source: SourceData;
  /** Every request the proxy saw ("GET /api/sync/volunteers?window=…&after=…"). */
  const seen: string[] = [];
  const recorder: FaultRule = { path: /.*/, when: (req) => (seen.push(`${req.method} ${req.url.pathname}${req.url.search}`), false), action: { kind: 'reset' } };
  const pages = (requests: string[]) => requests.filter((r) => r.startsWith('GET ') && FEED_PAGE.test(r.slice(4).split('?')[0]));
  const notes: string[] = [];
  let passed = 0;

  beforeAll(async () => {
    pair = await startPair(REQUESTER_ENV);
    source = await SourceData.open(pair.b);
    await source.seed(20);
  }, 180_000);

  afterAll(async () => {
    recordSummary({ spec: 'resume', scenarios: 2, faultPoints: 2, failures: 2 - passed, notes });
    await source?.close();
    await pair?.close();
  }, 60_000);

  /** Starts a pull job on A and kills A with -9 when the proxy sees the `nth` request matching `at` (after `first`, if given). */
  async function killRequesterAt(at: RegExp, nth: number, first?: () => Promise<void>): Promise<string> {
    const { a, proxy, peerOnA } = pair;
    const job = await call(a.url, 'POST', '/api/sync/jobs', { token: a.admin, body: { remoteNodeId: peerOnA } });
    expect(job.status).toBe(202);
    let killed: Promise<void> | undefined;
    let killedAt = '';
    const kill = async (req: ProxiedRequest) => {
      // The request the kill answers (other lanes' requests may have come in since it was seen).
      killedAt = `${req.method} ${req.url.pathname}${req.url.search}`;
      await first?.();
      killed = a.proc.kill9();
    };
    proxy.setRules([recorder, { path: at, nth, action: { kind: 'hook', run: kill } }]);
    await waitFor('the requester to be killed mid-fetch', () => killed !== undefined);
    await killed;
    proxy.clear();
    proxy.dropConnections();
    seen.splice(seen.indexOf(killedAt), 1);
    await a.proc.start();
    return job.body.jobId as string;
  }

  it('a pull killed mid-pages continues from the last staged page after the restart, without a new manifest', async () => {
    const { a, b, proxy, peerOnA } = pair;
    seen.length = 0;
    const killedJob = await killRequesterAt(/^\/api\/sync\/volunteers$/, 12);
    const answered = pages(seen);
    // Every page request before the 12th of the volunteers feed was answered (with copy-parts the
    // feed's tables take all the lanes, so they may be the only ones).
    expect(answered.length).toBeGreaterThanOrEqual(11);
    // Restarted: the interrupted job is marked failed; its staging is kept for the next pull from B.
    const state = await call(a.url, 'GET', `/api/sync/jobs/${killedJob}`, { token: a.admin });
    expect({ state: state.body.state, code: state.body.error?.code }).toEqual({ state: 'failed', code: 'ERR_INTERRUPTED' });
    expect(await stagingEntries(a)).toEqual([keptEntry(peerOnA)]);

    seen.length = 0;
    proxy.setRules([recorder]);
    const retry = await pullFrom(a, peerOnA);
    expect({ status: retry.status, body: retry.status === 200 ? 'ok' : retry.body }).toEqual({ status: 200, body: 'ok' });
    const log = await latestLog(a, peerOnA);
    expect(log.resumed).toMatchObject({ fromJobId: killedJob });
    // The same window, continued: no manifest; of the pages answered before the kill, at most one
    // per lane (SYNC_PAGE_CONCURRENCY, 3 by default) is asked again (answered, not yet in the ledger).
    expect(seen.filter((r) => r.includes('/api/sync/manifest'))).toEqual([]);
    const again = pages(seen).filter((r) => answered.includes(r));
    expect(again.length).toBeLessThanOrEqual(3);
    // Every other page answered before the kill was reused from the kept staging (with those of the
    // small feeds' batch, on another lane, as far as it had come: that may be none).
    expect(log.resumed!.pages).toBeGreaterThanOrEqual(new Set(answered).size - new Set(again).size);
    expect(await stagingEntries(a)).toEqual([]);
    const [va, vb] = await Promise.all([verifyOf(a), verifyOf(b)]);
    expect(va.files.missing).toEqual([]);
    expect(va.digest).toBe(vb.digest);
    notes.push(`killed after ${answered.length} pages: the retry fetched ${pages(seen).length} pages (${again.length} again) and reused ${log.resumed!.pages} (${log.resumed!.rows} rows)`);
    passed++;
  }, 180_000);

  it('a pull killed at its second file stream fetches no page again and only the files it had not stored', async () => {
    const { a, b, proxy, peerOnA } = pair;
    await source.change({ recording: true, extraRecordings: 1 });
    seen.length = 0;
    // The kill waits until the first file is stored (listed, and its partial download gone), as the downloads run side by side.
    const firstStored = () =>
      waitFor('the first file to be stored', async () => {
        const job = (await stagingEntries(a))[0];
        const [entries, parts] = await Promise.all([a.proc.listDataDir(`staging/${job}`), a.proc.listDataDir(`staging/${job}/files`)]);
        return entries.includes('stored-files') && !parts.some((p) => p.endsWith('.part'));
      });
    const killedJob = await killRequesterAt(STREAM, 2, firstStored);
    expect(await stagingEntries(a)).toEqual([keptEntry(peerOnA)]);

    seen.length = 0;
    proxy.setRules([recorder]);
    const retry = await pullFrom(a, peerOnA);
    expect({ status: retry.status, body: retry.status === 200 ? 'ok' : retry.body }).toEqual({ status: 200, body: 'ok' });
    const log = await latestLog(a, peerOnA);
    expect(log.resumed).toMatchObject({ fromJobId: killedJob });
    expect(pages(seen)).toEqual([]);
    expect(seen.filter((r) => r.includes('/api/sync/manifest'))).toEqual([]);
    expect(log.resumed).toMatchObject({ files: 1, fileBytes: RECORDING_BYTES });
    expect(seen.filter((r) => STREAM.test(r.slice(4).split('?')[0]))).toHaveLength(1);
    const [va, vb] = await Promise.all([verifyOf(a), verifyOf(b)]);
    expect(va.files.missing).toEqual([]);
    expect(va.digest).toBe(vb.digest);
    notes.push(`killed at the second file stream: the retry fetched 0 pages, reused ${log.resumed!.pages} pages and ${log.resumed!.files} stored file(s) (${log.resumed!.fileBytes} bytes)`);
    passed++;
  }, 180_000);
});
