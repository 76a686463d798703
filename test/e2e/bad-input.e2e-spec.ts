import { createPrivateKey } from 'node:crypto';
import { NodeAccessLevel } from '../../src/core/auth/access';
import { NodeChannelClient } from '../../src/node-trust/client/node-channel-client';
import { encryptJson } from '../../src/node-trust/crypto/channel-crypto';
import { signData } from '../../src/node-trust/crypto/certificates';
import { formatO } from '../../src/node-trust/crypto/timestamp';
import { generateSelfSignedIdentity } from '../../src/node-trust/identity/identity-generator';
import { existsSync, readFileSync } from 'node:fs';
import { fuzzRequests, FuzzKeys, FuzzRequest, openApiRequests, OpenApiDocument, SQL_STRINGS } from './harness/fuzz-cases';
import { call } from './harness/http';
import type { E2ENode } from './harness/process-cluster';
import { recordSummary } from './harness/summary';
import { startNode } from './harness/target';

const PER_FAMILY = Number(process.env.FUZZ_PER_FAMILY ?? 200);
const SEED = Number(process.env.FUZZ_SEED ?? 20260301);
/** Requests per operation of the OpenAPI document (287 operations × 14 ≈ 4,000, plus the families above). */
const PER_OPERATION = Number(process.env.FUZZ_PER_OPERATION ?? 14);

/** What no answer may contain, whatever was sent (after removing what the request itself carried). */
const LEAKS: [RegExp, string][] = [
  [/\n\s+at .+:\d+:\d+/, 'a stack trace'],
  [/QueryFailedError|syntax error at or near|relation "[^"]+" does not exist|column "[^"]+" does not exist|invalid input syntax for/i, 'a database error text'],
  [/\b(SELECT\s+[\w*"., ()]+\s+FROM|INSERT\s+INTO|UPDATE\s+"?\w+"?\s+SET|DELETE\s+FROM)\b/i, 'SQL text'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key material'],
  [/scrypt\$\d+\$/, 'a password hash'],
];

/** The body without the strings the fuzzer sent (a validation message may quote the bad value). */
function withoutEcho(body: string): string {
  let text = body;
  for (const s of SQL_STRINGS) for (const form of [s, JSON.stringify(s).slice(1, -1)]) text = text.split(form).join('');
  return text;
}

describe('bad input: generated malformed requests against the handshake, the sync endpoints and every OpenAPI operation', () => {
  let node: E2ENode;
  let client: NodeChannelClient;
  let keys: FuzzKeys;
  let sent = 0;
  const serverErrors: string[] = [];
  const leaks: string[] = [];

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
    recordSummary({ spec: 'bad-input (fuzz)', scenarios: 2, fuzzCases: sent, failures: serverErrors.length + leaks.length, notes: [...serverErrors, ...leaks].slice(0, 10) });
    await node?.proc.close();
    await node?.db.drop();
  }, 60_000);

  /** HTTP cannot carry control characters in a header value: the client would refuse to send it. */
  const headerSafe = (headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace(/[^\x20-\x7e]/g, '~').trim() || '~']));

  async function send(req: FuzzRequest): Promise<number> {
    const res = await fetch(`${node.url}${req.path}`, { method: req.method, headers: headerSafe(req.headers), body: req.body, signal: AbortSignal.timeout(30_000) });
    const body = withoutEcho(Buffer.from(await res.arrayBuffer()).subarray(0, 1 << 20).toString('utf8'));
    for (const [pattern, what] of LEAKS) {
      if (pattern.test(body)) leaks.push(`${req.family} ${req.method} ${req.path.slice(0, 200)} → ${res.status} shows ${what}: ${body.slice(0, 300)}`);
    }
    return res.status;
  }

  /**
   * `send`, once more when the connection was closed before any answer (undici: UND_ERR_SOCKET,
   * "other side closed"). Generating the requests is synchronous work that, on a loaded machine,
   * outlasts the node's 5 s keep-alive: the node closes the idle pooled connection meanwhile, and
   * the client, its event loop busy, only finds out when it sends the next request on it. A request
   * that itself makes the node drop the connection fails the second time too, and is recorded.
   */
  async function sendOnOpenConnection(req: FuzzRequest): Promise<number> {
    try {
      return await send(req);
    } catch (error) {
      if ((error as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw error;
      return send(req);
    }
  }

  /** Sends every request in order; a 5xx or no answer within 30 s is recorded. */
  async function run(requests: FuzzRequest[]): Promise<void> {
    for (const [i, req] of requests.entries()) {
      let status: number;
      try {
        status = await sendOnOpenConnection(req);
      } catch (error) {
        status = -1;
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        serverErrors.push(`${req.family} ${req.method} ${req.path.slice(0, 200)}: no answer (${(error as Error).message}${cause ? `: ${cause.code ?? ''} ${cause.message ?? ''}` : ''})`);
      }
      sent++;
      if (status >= 500) serverErrors.push(`${req.family} ${req.method} ${req.path.slice(0, 200)} body=${(req.body ?? '').slice(0, 200)} → ${status}`);
      if (i % 100 === 99) await stillServes();
    }
    await stillServes();
  }

  /** A valid request still works: health and an encrypted manifest with the real session. */
  async function stillServes(): Promise<void> {
    expect(node.proc.running).toBe(true);
    expect((await fetch(`${node.url}/api/channel/health`)).status).toBe(200);
    const manifest = await client.invoke<{ window?: unknown }>('POST', '/api/sync/manifest', {}, { 'X-Sync-Protocol': '2' });
    expect(manifest.window).toBeDefined();
  }

  it(`answers ${PER_FAMILY * 6} malformed requests with 4xx, never 5xx, and keeps serving`, async () => {
    await run(fuzzRequests(keys, PER_FAMILY, SEED));
    expect(serverErrors).toEqual([]);
    expect(leaks).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(1000);
  }, 300_000);

  it('answers every operation of its OpenAPI document, fuzzed in every parameter, header and body field, with no 5xx, hang or leak', async () => {
    const doc = (await (await fetch(`${node.url}/api/docs-json`)).json()) as OpenApiDocument;
    const requests = openApiRequests(doc, { adminToken: node.admin, channelId: keys.channelId, sessionToken: keys.sessionToken, key: keys.key }, PER_OPERATION, SEED);
    expect(new Set(requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).size).toBeGreaterThan(200);
    const before = sent;
    await run(requests);
    expect(serverErrors).toEqual([]);
    expect(leaks).toEqual([]);
    expect(sent - before).toBe(requests.length);
    // Together with the families above: at least 5,000 requests.
    expect(sent).toBeGreaterThanOrEqual(5000);
    // No unhandled error in the node's log (pino level 50 = error, 60 = fatal).
    const logFile = (node.proc as { logFile?: string }).logFile;
    if (logFile && existsSync(logFile)) {
      const errors = readFileSync(logFile, 'utf8').split('\n').filter((line) => /"level":(50|60)|unhandled|uncaught/i.test(line));
      expect(errors.slice(0, 5)).toEqual([]);
    }
  }, 600_000);
});
