import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { encryptBytes, encryptJson } from '../../../src/node-trust/crypto/channel-crypto';

/** One malformed request. `body` is sent as is (a string is sent raw). */
export interface FuzzRequest {
  family: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface FuzzKeys {
  channelId: string;
  sessionToken: string;
  key: Buffer;
  /** A valid window token (from a real manifest). */
  window: string;
  /** A body the node accepted once (replayed). */
  replayedAuthenticate: string;
}

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

const huge = fc.constantFrom('9'.repeat(40), '-1', '1e309', 'NaN', 'Infinity', '0x10', ' 1', '1.5', '', 'x'.repeat(5000), '%00', '\u0000');
const weird = fc.oneof(fc.string({ maxLength: 60 }), huge, fc.integer().map(String), fc.base64String({ maxLength: 80 }));
/** Token-shaped garbage: random base64url, base64url of wrong JSON, or a real-looking token with bad fields. */
const badToken = fc.oneof(
  weird,
  fc.jsonValue({ maxDepth: 2 }).map(b64url),
  fc.record({ v: fc.oneof(fc.constant(1), fc.integer()), t: fc.oneof(fc.integer(), fc.constant(99), fc.constant(-1), fc.string()), x: fc.oneof(fc.constant('1'), weird), k: fc.oneof(fc.array(weird, { maxLength: 3 }), fc.anything({ maxDepth: 1 })) }).map(b64url),
  fc.record({ v: fc.constant(1), snapshot: weird, from: weird, to: weird, db: weird }).map(b64url),
  fc.record({ v: fc.constant(1), xid: fc.oneof(weird, fc.constant('99999999999999999999')), db: weird }).map(b64url),
  fc.base64String({ maxLength: 60 }).map((s) => `${s}===`),
);

const ROUTES = ['snomed/body-regions', 'snomed/medications', 'snomed/nope', 'volunteers', 'researchers', 'devices', 'research', 'sessions', 'unknown'];

/** Plaintext bodies for phase 1 (channel open): wrong types, huge values, truncated JSON. */
function channelOpen(): fc.Arbitrary<FuzzRequest> {
  const field = fc.oneof(weird, fc.anything({ maxDepth: 2 }));
  const data = fc.record(
    { protocolVersion: field, ephemeralPublicKey: fc.oneof(field, fc.base64String({ maxLength: 200 })), keyExchangeAlgorithm: fc.oneof(field, fc.constantFrom('ECDH-P384', 'ECDH-P999')), supportedCiphers: field, timestamp: field, nonce: field },
    { requiredKeys: [] },
  );
  const json = fc.oneof(data.map((d) => JSON.stringify(d)), data.map((d) => JSON.stringify({ data: d })), fc.jsonValue().map((v) => JSON.stringify(v)));
  const body = fc.oneof(json, json.map((s) => s.slice(0, Math.max(1, Math.floor(s.length / 2)))), fc.string({ maxLength: 100 }));
  return body.map((b) => ({ family: 'channel-open', method: 'POST' as const, path: '/api/channel/open', headers: { 'Content-Type': 'application/json' }, body: b }));
}

/** Envelope-level damage: bad base64, truncated, wrong key, tampered tag, not an envelope. */
function envelopes(keys: FuzzKeys): fc.Arbitrary<string> {
  const inner = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ channelId: weird, nodeId: weird, timestamp: weird, signature: weird, challengeData: weird, certificate: weird, cursor: badToken, since: weird, window: badToken }, { requiredKeys: [] }));
  return fc.oneof(
    inner.map((v) => JSON.stringify(encryptJson(keys.key, v))),
    inner.map((v) => JSON.stringify(encryptJson(randomBytes(32), v))),
    inner.map((v) => {
      const e = encryptJson(keys.key, v);
      const tag = Buffer.from(e.authTag, 'base64');
      tag[0] ^= 1;
      return JSON.stringify({ ...e, authTag: tag.toString('base64') });
    }),
    inner.map((v) => JSON.stringify({ ...encryptJson(keys.key, v), iv: 'AAAA' })),
    fc.record({ encryptedData: weird, iv: weird, authTag: weird }).map((e) => JSON.stringify(e)),
    fc.constant(JSON.stringify(encryptBytes(keys.key, Buffer.from('not json {')))),
    inner.map((v) => JSON.stringify(encryptJson(keys.key, v)).slice(0, 40)),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  );
}

function handshake(keys: FuzzKeys): fc.Arbitrary<FuzzRequest> {
  const path = fc.constantFrom('/api/node/identify', '/api/node/register', '/api/node/challenge', '/api/node/authenticate', '/api/session/whoami', '/api/session/renew');
  const channel = fc.oneof({ weight: 4, arbitrary: fc.constant(keys.channelId) }, { weight: 1, arbitrary: weird });
  return fc.tuple(path, channel, envelopes(keys)).map(([p, c, body]) => ({
    family: 'handshake',
    method: 'POST' as const,
    path: p,
    headers: { 'Content-Type': 'application/json', 'X-Channel-Id': c, 'X-Session-Id': keys.sessionToken },
    body,
  }));
}

function syncPages(keys: FuzzKeys): fc.Arbitrary<FuzzRequest> {
  const query = fc.record(
    { window: fc.oneof(badToken, fc.constant(keys.window)), after: badToken, cursor: badToken, page: weird, pageSize: weird, since: weird },
    { requiredKeys: [] },
  );
  return fc.tuple(fc.constantFrom(...ROUTES), query).map(([route, q]) => ({
    family: 'sync-pages',
    method: 'GET' as const,
    path: `/api/sync/${route}?${new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]))}`,
    headers: { 'X-Channel-Id': keys.channelId, 'X-Session-Id': keys.sessionToken, 'X-Sync-Protocol': '2' },
  }));
}

function syncPosts(keys: FuzzKeys): fc.Arbitrary<FuzzRequest> {
  const body = fc.oneof(
    fc.record({ cursor: fc.oneof(badToken, fc.anything({ maxDepth: 1 })), since: fc.oneof(weird, fc.anything({ maxDepth: 1 })) }, { requiredKeys: [] }).map((v) => JSON.stringify(encryptJson(keys.key, v))),
    fc.record({ window: fc.oneof(badToken, fc.anything({ maxDepth: 1 })) }, { requiredKeys: [] }).map((v) => JSON.stringify(encryptJson(keys.key, v))),
    envelopes(keys),
  );
  const protocol = fc.constantFrom('2', '1', '3', '2.9', 'abc', '');
  return fc.tuple(fc.constantFrom('/api/sync/manifest', '/api/sync/window/close'), body, protocol).map(([path, b, proto]) => ({
    family: 'sync-posts',
    method: 'POST' as const,
    path,
    headers: { 'Content-Type': 'application/json', 'X-Channel-Id': keys.channelId, 'X-Session-Id': keys.sessionToken, 'X-Sync-Protocol': proto },
    body: b,
  }));
}

function files(keys: FuzzKeys): fc.Arbitrary<FuzzRequest> {
  const id = fc.oneof(fc.uuid(), weird.map(encodeURIComponent));
  const range = fc.oneof(fc.constant(undefined), fc.constantFrom('bytes=0-', 'bytes=-5', 'bytes=99999999999-', 'bytes=5-1', 'items=0-1', 'bytes=0-1,3-4'), weird);
  return fc.tuple(id, range, fc.constantFrom('stream', 'file')).map(([i, r, kind]) => ({
    family: 'files',
    method: 'GET' as const,
    path: `/api/sync/recordings/${i}/${kind}`,
    headers: { 'X-Channel-Id': keys.channelId, 'X-Session-Id': keys.sessionToken, ...(r === undefined ? {} : { Range: r }) },
  }));
}

function credentials(keys: FuzzKeys): fc.Arbitrary<FuzzRequest> {
  const header = fc.oneof(weird, fc.uuid(), fc.constant(keys.sessionToken), fc.constant(keys.channelId));
  return fc.oneof(
    fc.tuple(header, header, fc.constantFrom(...ROUTES)).map(([c, s, route]) => ({
      family: 'credentials',
      method: 'GET' as const,
      path: `/api/sync/${route}`,
      headers: { 'X-Channel-Id': c, 'X-Session-Id': s },
    })),
    fc.constant({
      family: 'replay',
      method: 'POST' as const,
      path: '/api/node/authenticate',
      headers: { 'Content-Type': 'application/json', 'X-Channel-Id': keys.channelId },
      body: keys.replayedAuthenticate,
    }),
  );
}

/** A deterministic set of malformed requests (FUZZ_SEED changes it). */
export function fuzzRequests(keys: FuzzKeys, perFamily: number, seed: number): FuzzRequest[] {
  const families = [channelOpen(), handshake(keys), syncPages(keys), syncPosts(keys), files(keys), credentials(keys)];
  return families.flatMap((arb, i) => fc.sample(arb, { numRuns: perFamily, seed: seed + i }));
}
