import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { encryptBytes, encryptJson } from '../../../src/node-trust/crypto/channel-crypto';

/** One malformed request. `body` is sent as is (a string is sent raw). */
export interface FuzzRequest {
  family: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
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

// ---------------------------------------------------------------------------------------------
// Generated from the node's OpenAPI document: every operation, every parameter and body field.

interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  schema?: { type?: string; format?: string };
}
interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: { $ref?: string; properties?: Record<string, unknown> } }> };
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
}

/** Credentials the OpenAPI family sends: a real Admin token reaches past the guard into handlers. */
export interface FuzzCredentials {
  adminToken: string;
  channelId: string;
  sessionToken: string;
  /** The channel's key: half of the requests come as the IRIS desktop's do, encrypted on the channel. */
  key: Buffer;
}

/**
 * The request as a channel caller sends it (IRIS through channel + session + user token): valid
 * channel headers, the JSON body encrypted with the channel key (a body that is not JSON goes raw).
 */
function overChannel(req: FuzzRequest, creds: FuzzCredentials): FuzzRequest {
  let body = req.body;
  if (body !== undefined) {
    try {
      body = JSON.stringify(encryptJson(creds.key, JSON.parse(body)));
    } catch {
      // broken JSON stays broken
    }
  }
  return { ...req, family: 'openapi-channel', headers: { ...req.headers, 'X-Channel-Id': creds.channelId, 'X-Session-Id': creds.sessionToken }, body };
}

export const SQL_STRINGS = ["' OR '1'='1", "1; DROP TABLE users;--", '" OR 1=1 --', "') UNION SELECT password_hash FROM users--", '$1', "'; SELECT pg_sleep(30);--", '\\', "%' AND 1=CAST((SELECT version()) AS int)--"];
const TRAVERSAL = ['../../../../etc/passwd', '..%2f..%2f..%2fetc%2fpasswd', '..\\..\\..\\windows\\win.ini', '%2e%2e%2f%2e%2e%2f', '/etc/passwd%00.png', '....//....//etc/passwd', 'file:///etc/passwd'];
const BAD_UUIDS = ['00000000-0000-0000-0000-00000000000', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', '{00000000-0000-0000-0000-000000000000}', '00000000000000000000000000000000', '0', '-1', 'null', 'undefined'];
const BAD_DATES = ['2026-02-30', '0000-00-00', '2026-13-01T00:00:00Z', '9999-99-99T99:99:99Z', 'yesterday', '-infinity', '275760-09-13T00:00:00.001Z', '2026-01-01T00:00:00+99:00', '1e10'];

const badScalar = fc.oneof(weird, fc.constantFrom(...SQL_STRINGS, ...TRAVERSAL, ...BAD_UUIDS, ...BAD_DATES), fc.double().map(String), fc.uuid());
// Deep enough to overflow a recursive transformer or validator (the stack gives out near a few thousand).
// Markers replaced by the raw nested text after JSON.stringify (which would itself overflow on them).
const deepArray = fc.constantFrom(40, 1000, 5000, 10_000).map((n) => `__DEEP_ARRAY_${n}__`);
const deepObject = fc.constantFrom(40, 3000, 8000).map((n) => `__DEEP_OBJECT_${n}__`);
const withDeepValues = (json: string) =>
  json.replace(/"__DEEP_(ARRAY|OBJECT)_(\d+)__"/g, (_m, kind: string, depth: string) => {
    const n = Number(depth);
    return kind === 'ARRAY' ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  });
/** Values a validator accepts for many fields: a body of mostly these carries its one bad value past the first checks. */
const plausible = fc.oneof(fc.constantFrom('valid-text-value-1', 'user@example.org', '2026-01-01T00:00:00Z', 'http://127.0.0.1:9', 'Admin', 'ReadWrite', 'a-long-password-value'), fc.uuid(), fc.integer({ min: 0, max: 3 }));
const badJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: plausible },
  { weight: 4, arbitrary: badScalar },
  { weight: 1, arbitrary: fc.constantFrom('nul\u0000inside', '\u0000', 'x\u0000'.repeat(10)) },
  { weight: 1, arbitrary: deepObject },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, -1, 0, 1e308, -1e308, 2 ** 63, 'x'.repeat(100_000), '\u0000', 'a\u0000b', [], {}) },
  { weight: 1, arbitrary: deepArray },
  { weight: 1, arbitrary: fc.array(badScalar, { maxLength: 5 }) },
);

/** Values of a parameter: wrong types, invalid UUIDs and dates, SQL and path-traversal strings, huge and nested. */
const parameterValue = fc.oneof(
  { weight: 6, arbitrary: badScalar },
  { weight: 1, arbitrary: fc.constant('9'.repeat(3000)) },
  { weight: 1, arbitrary: fc.constantFrom('%00', '%ff%fe', '%', '%zz', '%E0%A4%A', '\u00ff\u0100', '😀'.repeat(50)) },
);

function schemaFields(doc: OpenApiDocument, operation: OpenApiOperation): string[] {
  const content = operation.requestBody?.content ?? {};
  const schema = content['application/json']?.schema;
  const resolved = schema?.$ref ? doc.components?.schemas?.[schema.$ref.split('/').pop()!] : schema;
  return Object.keys(resolved?.properties ?? {});
}

const COMMON_FIELDS = ['id', 'login', 'password', 'name', 'email', 'nodeUrl', 'remoteNodeId', 'window', 'cursor', 'since', 'page', 'pageSize', 'data', 'status', 'nodeAccessLevel', 'createdAt'];

/** A request body for an operation: its fields with bad values, or broken JSON, another media type, a bad encoding. */
function bodyFor(fields: string[]): fc.Arbitrary<{ body?: string; headers: Record<string, string> }> {
  const names = fields.length ? fields : COMMON_FIELDS;
  const object = fc.dictionary(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }), badJsonValue, { maxKeys: Math.min(names.length + 2, 8) });
  const json = fc.oneof(
    { weight: 6, arbitrary: object.map((o) => JSON.stringify(o)) },
    { weight: 1, arbitrary: badJsonValue.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: object.map((o) => JSON.stringify(o).slice(0, -1)) },
    { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"a":1,"a":2}', '{"a":"\\ud800"}', '\ufeff{}', '{"a":1e999999}') },
  );
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-16', 'application/json; charset=bogus', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', '*/*', ';;;') },
  );
  const encoding = fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'zstd', 'gzip, gzip', 'x-unknown') });
  return fc.tuple(json, contentType, encoding).map(([body, type, enc]) => ({ body: withDeepValues(body), headers: { 'Content-Type': type, ...(enc ? { 'Content-Encoding': enc } : {}) } }));
}

function headersFor(creds: FuzzCredentials): fc.Arbitrary<Record<string, string>> {
  const authorization = fc.oneof(
    { weight: 6, arbitrary: fc.constant(`Bearer ${creds.adminToken}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer x.y.z', 'Basic YWRtaW46YWRtaW4=', `Bearer ${creds.adminToken}x`, 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', `bearer  ${creds.adminToken}`) },
  );
  const extra = fc.record(
    {
      Accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml;q=0.9, */*;q=0.1', ';;', 'text/event-stream'),
      'Accept-Encoding': fc.constantFrom('gzip', 'br', 'identity;q=0', '*;q=0', 'x'),
      'X-Sync-Protocol': fc.constantFrom('2', '1', '999', 'x', ''),
      Range: fc.constantFrom('bytes=0-', 'bytes=99999999999-', 'bytes=5-1', 'bytes=-0', 'items=0-1', 'bytes=0-1,2-3'),
      'If-None-Match': fc.constantFrom('*', '"x"', 'W/"y"'),
    },
    { requiredKeys: [] },
  );
  // Channel headers make a request a channel caller's (another guard path): on a few requests only,
  // so most reach the user routes' validation and handlers with the Admin token.
  const channel = fc.oneof(
    { weight: 6, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.record({ 'X-Channel-Id': fc.oneof(fc.constant(creds.channelId), parameterValue), 'X-Session-Id': fc.oneof(fc.constant(creds.sessionToken), parameterValue) }, { requiredKeys: [] }) },
  );
  return fc.tuple(authorization, extra, channel).map(([auth, rest, ch]) => ({ ...(auth ? { Authorization: auth } : {}), ...(rest as Record<string, string>), ...(ch as Record<string, string>) }));
}

function queryFor(parameters: OpenApiParameter[]): fc.Arbitrary<string> {
  const declared = parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const names = declared.length ? declared : ['page', 'pageSize', 'since', 'status', 'id'];
  const pair = fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.constantFrom('a[b][c][d][e][f][g]', 'x[]', '__proto__[admin]', 'constructor[prototype][x]') }), parameterValue);
  // The node's query parser is 'extended': brackets build objects and arrays.
  const nested = fc.constantFrom(...names).map((n) => `${encodeURIComponent(n)}${'[a]'.repeat(40)}=1`);
  const plain = fc.array(pair, { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
  return fc.oneof({ weight: 5, arbitrary: plain }, { weight: 1, arbitrary: nested }, { weight: 1, arbitrary: fc.constantFrom('%', 'a=%zz', '&&&', '=x', 'page=1&page=2&page=3') });
}

function pathFor(template: string): fc.Arbitrary<string> {
  const params = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  if (params.length === 0) return fc.constant(template);
  const raw = fc.constantFrom('..', '.', '%2e%2e', '%2F', '%00', ' ');
  const value = fc.oneof({ weight: 6, arbitrary: parameterValue.map((v) => encodeURIComponent(v) || '%20') }, { weight: 1, arbitrary: raw });
  return fc.array(value, { minLength: params.length, maxLength: params.length }).map((values) => template.replace(/\{[^}]+\}/g, () => values.shift()!));
}

/**
 * `perOperation` malformed requests for every operation of the OpenAPI document (deterministic for a
 * seed), most with a real Admin token so they get past the guard into validation and handlers.
 */
export function openApiRequests(doc: OpenApiDocument, creds: FuzzCredentials, perOperation: number, seed: number): FuzzRequest[] {
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
  return operations.flatMap(({ path, method, op }, i) => {
    const withBody = ['POST', 'PUT', 'PATCH'].includes(method);
    const arb = fc.tuple(pathFor(path), queryFor(op.parameters ?? []), headersFor(creds), withBody ? bodyFor(schemaFields(doc, op)) : fc.constant(undefined)).map(
      ([p, q, headers, body]): FuzzRequest => ({
        family: 'openapi',
        method: method as FuzzRequest['method'],
        path: q ? `${p}?${q}` : p,
        headers: { ...headers, ...(body?.headers ?? {}) },
        body: body?.body,
      }),
    );
    return fc.sample(arb, { numRuns: perOperation, seed: seed + 1000 + i }).map((req, n) => (n % 2 === 1 ? overChannel(req, creds) : req));
  });
}
