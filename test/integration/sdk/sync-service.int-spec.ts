import { PrismApiError, PrismClient, PrismUnreachableError, type SyncProgress } from '../../../client/src/index.js';
import { buildDatasetOverHttp } from '../../support/dataset';
import { NodePair, startPair, verify } from '../../support/two-nodes';
import { createUserAndLogin } from '../../support/users';
import { UserRole } from '../../../src/core/auth/access';

describe('client SDK against two running nodes', () => {
  let pair: NodePair;
  let client: PrismClient;

  beforeAll(async () => {
    pair = await startPair();
    await buildDatasetOverHttp(pair.b, pair.adminB);
    const operator = await createUserAndLogin(pair.a, UserRole.Researcher);
    client = new PrismClient({ baseUrl: pair.a.url });
    await client.login(operator.login, operator.password);
  });
  afterAll(() => pair?.close());

  it('logs in and rejects a wrong password with the node error code', async () => {
    expect((await client.me()).role).toBe(UserRole.Researcher);
    const error = await new PrismClient({ baseUrl: pair.a.url }).login('nobody', 'wrong-password').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrismApiError);
    expect({ status: (error as PrismApiError).status, code: (error as PrismApiError).code.startsWith('ERR_') }).toEqual({ status: 401, code: true });
  });

  it('reports an unreachable node as such', async () => {
    const error = await new PrismClient({ baseUrl: 'http://127.0.0.1:1' }).login('a', 'b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrismUnreachableError);
  });

  it('previews: the manifest per aggregate and what a pull would insert', async () => {
    const preview = await client.sync.preview(pair.peerOnA);
    expect(preview.remoteNodeId).toBe(pair.peerOnA);
    expect(Object.keys(preview.manifest.aggregates ?? {})).toEqual(expect.arrayContaining(['snomed', 'volunteers', 'sessions']));
    expect(preview.manifest.files?.count).toBe(1);
    expect(preview.preview.totals.inserted).toBeGreaterThan(20);
    expect((await verify(pair.a, pair.adminA)).aggregates.volunteers.rows).toBe(0);
  });

  it('cancels a pull when the signal aborts: the job ends with ERR_SYNC_CANCELLED and nothing is applied', async () => {
    const abort = new AbortController();
    const outcome = await client.sync.pull(pair.peerOnA, { signal: abort.signal, onProgress: () => abort.abort() });
    // The node records a cancelled job as cancelled with ERR_SYNC_CANCELLED (the saga's rule).
    expect({ state: outcome.progress.state, code: outcome.progress.error?.code }).toEqual({ state: 'cancelled', code: 'ERR_SYNC_CANCELLED' });
    expect({ status: outcome.log?.status, code: outcome.log?.errorCode }).toEqual({ status: 'cancelled', code: 'ERR_SYNC_CANCELLED' });
    expect((await verify(pair.a, pair.adminA)).aggregates.volunteers.rows).toBe(0);
  });

  it('pulls with live progress from the SSE stream and returns the summary', async () => {
    const updates: SyncProgress[] = [];
    const outcome = await client.sync.pull(pair.peerOnA, { onProgress: (p) => updates.push(p) });
    expect(outcome.progress.state).toBe('completed');
    expect(outcome.progress.percent).toBe(100);
    expect(updates.length).toBeGreaterThan(2);
    expect(updates.every((u) => u.jobId === outcome.jobId && u.percent <= 100)).toBe(true);
    const percents = updates.map((u) => u.percent);
    expect(percents).toEqual([...percents].sort((x, y) => x - y));
    expect(updates.some((u) => u.phase === 'fetching' || u.phase === 'applying')).toBe(true);
    expect(outcome.summary?.totals.inserted).toBeGreaterThan(20);
    expect(outcome.summary?.files.downloaded).toBe(1);
    const [a, b] = await Promise.all([verify(pair.a, pair.adminA), verify(pair.b, pair.adminB)]);
    expect(a.digest).toBe(b.digest);
  });

  it('lists the history newest first with the summaries', async () => {
    const history = await client.sync.history({ remoteNodeId: pair.peerOnA });
    expect(history.data.map((e) => `${e.kind}:${e.status}`)).toEqual(['pull:completed', 'pull:cancelled', 'preview:completed']);
    expect(history.data[0].counts?.totals.inserted).toBeGreaterThan(20);
  });

  it('filters the history by status and kind, and pages it', async () => {
    const cancelled = await client.sync.history({ remoteNodeId: pair.peerOnA, status: 'cancelled' });
    expect({ kinds: cancelled.data.map((e) => `${e.kind}:${e.status}`), total: cancelled.totalRecords }).toEqual({ kinds: ['pull:cancelled'], total: 1 });
    const failed = await client.sync.history({ remoteNodeId: pair.peerOnA, status: 'failed' });
    expect(failed.totalRecords).toBe(0);
    const previews = await client.sync.history({ kind: 'preview' });
    expect(previews.data.map((e) => e.kind)).toEqual(['preview']);
    const second = await client.sync.history({ remoteNodeId: pair.peerOnA, page: 2, pageSize: 2 });
    expect({ kinds: second.data.map((e) => `${e.kind}:${e.status}`), totalPages: second.totalPages }).toEqual({ kinds: ['preview:completed'], totalPages: 2 });
    const bad = await client.sync.history({ status: 'nonsense' as never }).catch((e: unknown) => e);
    expect({ status: (bad as PrismApiError).status, code: (bad as PrismApiError).code }).toEqual({ status: 400, code: 'ERR_VALIDATION' });
  });

  it('a second pull moves nothing', async () => {
    const outcome = await client.sync.pull(pair.peerOnA);
    expect(outcome.progress.state).toBe('completed');
    expect(outcome.summary?.totals.received).toBe(0);
  });

  it('follows a job started elsewhere and reads its final state', async () => {
    const { jobId } = await client.sync.start(pair.peerOnA, 'preview');
    const last = await client.sync.follow(jobId);
    expect({ jobId: last.jobId, state: last.state, kind: last.kind }).toEqual({ jobId, state: 'completed', kind: 'preview' });
    expect((await client.sync.job(jobId)).state).toBe('completed');
  });

  it('surfaces node errors with their codes (unknown peer, finished job)', async () => {
    const unknown = await client.sync.preview('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(PrismApiError);
    expect((unknown as PrismApiError).status).toBe(404);
    const [finished] = (await client.sync.history({ pageSize: 1 })).data;
    const notRunning = await client.sync.cancel(finished.id).catch((e: unknown) => e);
    expect((notRunning as PrismApiError).code).toBe('ERR_JOB_NOT_RUNNING');
  });
});
