import { mkdirSync, existsSync } from 'node:fs';
import { AddressInfo, createServer, Socket } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../../../src/node';
import { ExportWindows } from '../../../src/sync/export/export-windows';
import { NODE_STOPPING, SyncJobs } from '../../../src/sync/pull/sync-jobs.service';
import { BULK_HTTP_ENV, buildDatasetOverHttp } from '../../support/dataset';
import { startDelayProxy } from '../../support/delay-proxy';
import { eventually } from '../../support/eventually';
import { NodePair, startPair, verify } from '../../support/two-nodes';
import { bearer } from '../../support/users';

interface Progress {
  state: string;
  phase: string;
  percent: number;
  error: { code: string } | null;
}

/** Reads a Server-Sent Events stream until it ends; returns the progress events. */
async function readEvents(url: string, token: string): Promise<Progress[]> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const text = await res.text();
  return text
    .split('\n\n')
    .map((block) => block.split('\n').find((l) => l.startsWith('data: ')))
    .filter((l): l is string => Boolean(l))
    .map((l) => JSON.parse(l.slice(6)) as Progress);
}

/** A TCP server that accepts connections and never answers (a peer that hangs). */
async function startSilentPeer(): Promise<{ url: string; connections(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('sync jobs: asynchronous pulls, live progress, cancel, recovery', () => {
  let pair: NodePair;

  beforeAll(async () => {
    pair = await startPair(BULK_HTTP_ENV);
    await buildDatasetOverHttp(pair.b, pair.adminB);
  });
  afterAll(() => pair?.close());

  const startJob = async () => {
    const res = await request(pair.a.url).post('/api/sync/jobs').set(bearer(pair.adminA)).send({ remoteNodeId: pair.peerOnA });
    expect(res.status).toBe(202);
    return res.body.jobId as string;
  };

  const setUrl = (url: string) => request(pair.a.url).put(`/api/node/Update/${pair.peerOnA}`).set(bearer(pair.adminA)).send({ nodeUrl: url }).expect(200);

  it('a cancelled pull leaves the data as it was and says why', async () => {
    // Route A's pulls through a proxy that makes every call to B take 300 ms.
    const proxy = await startDelayProxy(pair.b.url, 300);
    await setUrl(proxy.url);
    try {
      const before = await verify(pair.a, pair.adminA);
      const jobId = await startJob();
      await new Promise((r) => setTimeout(r, 1500));
      const cancelled = await request(pair.a.url).post(`/api/sync/jobs/${jobId}/cancel`).set(bearer(pair.adminA));
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.state).toBe('cancelled');
      expect(cancelled.body.error.code).toBe('ERR_SYNC_CANCELLED');
      expect((await verify(pair.a, pair.adminA)).digest).toBe(before.digest);
      const log = await request(pair.a.url).get('/api/sync/log').set(bearer(pair.adminA)).query({ pageSize: 1 });
      expect(log.body.data[0]).toMatchObject({ id: jobId, status: 'cancelled', errorCode: 'ERR_SYNC_CANCELLED' });
      // The history's status filter finds it under the status it was written with.
      const byStatus = await request(pair.a.url).get('/api/sync/log').set(bearer(pair.adminA)).query({ status: 'cancelled' });
      expect(byStatus.body.data.map((entry: { id: string }) => entry.id)).toContain(jobId);
      expect(existsSync(join(pair.a.dataDir, 'staging', jobId))).toBe(false);
    } finally {
      await setUrl(pair.b.url);
      await proxy.close();
    }
  });

  // A peer that accepts connections and never answers: a pull waits on its handshake. The peer
  // timeout (SYNC_PEER_TIMEOUT_MS, 60 s) is longer than these tests may take.
  it('a pull cancelled while the peer does not answer its handshake ends at once, not at the peer timeout', async () => {
    const silent = await startSilentPeer();
    await setUrl(silent.url);
    try {
      const jobId = await startJob();
      await eventually('the handshake waiting on the peer', async () => (silent.connections() > 0 ? true : undefined), 10);
      const cancelled = await request(pair.a.url).post(`/api/sync/jobs/${jobId}/cancel`).set(bearer(pair.adminA));
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ state: 'cancelled', error: { code: 'ERR_SYNC_CANCELLED' } });
    } finally {
      await setUrl(pair.b.url);
      await silent.close();
    }
  }, 30_000);

  it('a stopping node cancels its running pull first, and the sync log says the node stopped', async () => {
    const silent = await startSilentPeer();
    await setUrl(silent.url);
    const stopping = await createApp(pair.a.config, pair.a.db.url);
    await stopping.init();
    try {
      const jobId = await stopping.get(SyncJobs).start({ remoteNodeId: pair.peerOnA, kind: 'pull', requestedBy: null });
      await eventually('the handshake waiting on the peer', async () => (silent.connections() > 0 ? true : undefined), 10);
      await stopping.close();
      const [row] = await pair.a.dataSource.query(`SELECT status, error_code, error_message FROM sync_logs WHERE id = $1`, [jobId]);
      expect(row).toEqual({ status: 'cancelled', error_code: 'ERR_SYNC_CANCELLED', error_message: `the pull was cancelled: ${NODE_STOPPING}` });
    } finally {
      await setUrl(pair.b.url);
      await silent.close();
    }
  }, 30_000);

  it('a pull whose export window the source released fetches again and completes', async () => {
    await pair.b.dataSource.query(`UPDATE volunteer SET name = name || ' (window test)'`);
    const proxy = await startDelayProxy(pair.b.url, 60);
    const setUrl = (url: string) =>
      request(pair.a.url).put(`/api/node/Update/${pair.peerOnA}`).set(bearer(pair.adminA)).send({ nodeUrl: url }).expect(200);
    await setUrl(proxy.url);
    try {
      const jobId = await startJob();
      const windows = pair.b.app.get(ExportWindows);
      // As soon as B holds the window, drop it, as a restart of B would.
      for (let i = 0; i < 100 && windows.openCount === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(windows.openCount).toBe(1);
      await windows.onApplicationShutdown();
      let status: { state: string } = { state: 'running' };
      for (let i = 0; i < 200 && status.state === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await request(pair.a.url).get(`/api/sync/jobs/${jobId}`).set(bearer(pair.adminA))).body;
      }
      expect(status.state).toBe('completed');
      expect((await verify(pair.a, pair.adminA)).digest).toBe((await verify(pair.b, pair.adminB)).digest);
    } finally {
      await setUrl(pair.b.url);
      await proxy.close();
    }
  });

  it('a job reports live progress over Server-Sent Events, never above 100 %', async () => {
    const jobId = await startJob();
    const events = await readEvents(`${pair.a.url}/api/sync/jobs/${jobId}/events`, pair.adminA);
    expect(events.length).toBeGreaterThan(1);
    const percents = events.map((e) => e.percent);
    expect(percents.every((p, i) => p <= 100 && (i === 0 || p >= percents[i - 1]))).toBe(true);
    expect(events.at(-1)).toMatchObject({ state: 'completed', percent: 100 });
    const status = await request(pair.a.url).get(`/api/sync/jobs/${jobId}`).set(bearer(pair.adminA));
    expect(status.body).toMatchObject({ jobId, state: 'completed' });
    expect((await verify(pair.a, pair.adminA)).digest).toBe((await verify(pair.b, pair.adminB)).digest);
  });

  it('after a crash, the interrupted job is marked failed and its staging removed', async () => {
    const jobId = '0a0b0c0d-1111-4222-8333-444455556666';
    await pair.a.dataSource.query(`INSERT INTO sync_logs (id, remote_node_id, kind, status, phase) VALUES ($1, $2, 'pull', 'in_progress', 'applying')`, [
      jobId,
      pair.peerOnA,
    ]);
    const staging = join(pair.a.dataDir, 'staging', jobId);
    mkdirSync(staging, { recursive: true });
    const restarted = await createApp(pair.a.config, pair.a.db.url);
    await restarted.init();
    try {
      const [row] = await pair.a.dataSource.query(`SELECT status, error_code FROM sync_logs WHERE id = $1`, [jobId]);
      expect(row).toEqual({ status: 'failed', error_code: 'ERR_INTERRUPTED' });
      expect(existsSync(staging)).toBe(false);
    } finally {
      await restarted.close();
    }
  });
});
