import { createPrivateKey } from 'node:crypto';
import { NodeAccessLevel } from '../../src/core/auth/access';
import { NodeChannelClient } from '../../src/node-trust/client/node-channel-client';
import { encryptJson } from '../../src/node-trust/crypto/channel-crypto';
import { signData } from '../../src/node-trust/crypto/certificates';
import { formatO } from '../../src/node-trust/crypto/timestamp';
import { generateSelfSignedIdentity } from '../../src/node-trust/identity/identity-generator';
import { fuzzRequests, FuzzKeys, FuzzRequest } from './harness/fuzz-cases';
import { call } from './harness/http';
import type { E2ENode } from './harness/process-cluster';
import { recordSummary } from './harness/summary';
import { startNode } from './harness/target';

const PER_FAMILY = Number(process.env.FUZZ_PER_FAMILY ?? 200);
const SEED = Number(process.env.FUZZ_SEED ?? 20260301);

describe('bad input: generated malformed requests against the handshake and sync endpoints', () => {
  let node: E2ENode;
  let client: NodeChannelClient;
  let keys: FuzzKeys;
  let sent = 0;
  const serverErrors: string[] = [];

  beforeAll(async () => {
    node = await startNode('node-f', 'Fuzzed node');
    // A registered, approved peer identity: the fuzzer holds a real channel and session.
    const generated = generateSelfSignedIdentity('fuzzer');
    const key = createPrivateKey(generated.privateKeyPem);
    const identity = { nodeId: 'fuzzer', nodeName: 'Fuzzer', certificateDer: generated.certificateDer, sign: (d: string) => signData(key, d) };
    client = new NodeChannelClient({ url: node.url }, identity);
    await client.openChannel();
    const registration = await client.register({ requestedNodeAccessLevel: NodeAccessLevel.ReadWrite, nodeUrl: 'http://127.0.0.1:9' });
    const approved = await call(node.url, 'POST', `/api/node/${String(registration.registrationId)}/approve`, { token: node.admin, body: { nodeAccessLevel: 1 } });
    expect(approved.status).toBe(200);
    await client.connect();
    // An authenticate body the node already accepted once (for replay).
    const challenge = await client.requestChallenge();
    const timestamp = formatO();
    const replayed = {
      channelId: client.channelId,
      nodeId: 'fuzzer',
      challengeData: challenge.challengeData,
      signature: identity.sign(`${challenge.challengeData}${client.channelId}fuzzer${timestamp}`),
      timestamp,
    };
    const first = await fetch(`${node.url}/api/node/authenticate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Channel-Id': client.channelId! },
      body: JSON.stringify(encryptJson(client.channelKey, replayed)),
    });
    expect(first.status).toBe(200);
    const manifest = await client.invoke<{ window: { token: string } }>('POST', '/api/sync/manifest', {}, { 'X-Sync-Protocol': '2' });
    keys = {
      channelId: client.channelId!,
      sessionToken: client.sessionToken!,
      key: client.channelKey,
      window: manifest.window.token,
      replayedAuthenticate: JSON.stringify(encryptJson(client.channelKey, replayed)),
    };
  }, 180_000);

  afterAll(async () => {
    recordSummary({ spec: 'bad-input (fuzz)', scenarios: 1, fuzzCases: sent, failures: serverErrors.length, notes: serverErrors.slice(0, 10) });
    await node?.proc.close();
    await node?.db.drop();
  }, 60_000);

  /** HTTP cannot carry control characters in a header value: the client would refuse to send it. */
  const headerSafe = (headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace(/[^\x21-\x7e]/g, '~') || '~']));

  async function send(req: FuzzRequest): Promise<number> {
    const res = await fetch(`${node.url}${req.path}`, { method: req.method, headers: headerSafe(req.headers), body: req.body, signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer();
    return res.status;
  }

  /** A valid request still works: health and an encrypted manifest with the real session. */
  async function stillServes(): Promise<void> {
    expect(node.proc.running).toBe(true);
    expect((await fetch(`${node.url}/api/channel/health`)).status).toBe(200);
    const manifest = await client.invoke<{ window?: unknown }>('POST', '/api/sync/manifest', {}, { 'X-Sync-Protocol': '2' });
    expect(manifest.window).toBeDefined();
  }

  it(`answers ${PER_FAMILY * 6} malformed requests with 4xx, never 5xx, and keeps serving`, async () => {
    const requests = fuzzRequests(keys, PER_FAMILY, SEED);
    for (const [i, req] of requests.entries()) {
      let status: number;
      try {
        status = await send(req);
      } catch (error) {
        status = -1;
        serverErrors.push(`${req.family} ${req.method} ${req.path.slice(0, 200)}: no answer (${(error as Error).message})`);
      }
      sent++;
      if (status >= 500) serverErrors.push(`${req.family} ${req.method} ${req.path.slice(0, 200)} body=${(req.body ?? '').slice(0, 200)} → ${status}`);
      if (i % 100 === 99) await stillServes();
    }
    await stillServes();
    expect(serverErrors).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(1000);
  }, 300_000);
});
