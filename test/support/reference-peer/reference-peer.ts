import { createHash, createPublicKey, createVerify, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  decryptJson,
  deriveChannelKey,
  ecdhSecret,
  EncryptedEnvelope,
  encryptJson,
  generateEphemeralKey,
} from '../../../src/node-trust/crypto/channel-crypto';
import { dotnetO, isLater, PagedSyncResult, REFERENCE_FEEDS, REFERENCE_JSON_STRING_FIELDS, referenceIdentity, ReferenceIdentity, WireRow } from './reference-wire';

/** AuthorizationStatus / NodeAccessTypeEnum as numbers on the wire (prism-reference.md §2.0). */
export const REF_STATUS = { Unknown: 0, Authorized: 1, Pending: 2, Revoked: 3 } as const;
export const REF_LEVEL = { ReadOnly: 0, ReadWrite: 1, Admin: 2 } as const;

interface RegisteredNode {
  id: string;
  nodeName: string;
  nodeUrl: string;
  certificate: string;
  fingerprint: string;
  status: number;
  level: number;
}

interface Channel {
  key: Buffer;
  identifiedId?: string;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(JSON.stringify(body));
  }
}

const refError = (code: string, message: string) => ({ errorDetail: { code, message, details: null, retryable: false, retryAfter: null } });

/**
 * A node that speaks ONLY the reference protocol (prism-reference.md §2 and §4; the reference's
 * ChannelController, NodeConnectionController, SyncController): the 4-phase handshake as the
 * reference does it (identify by certificate fingerprint, optional identify signature, challenge
 * over `challengeData+channelId+nodeId+timestamp(O)`), the flat manifest, the `since`/page export
 * routes with nested children ordered by `updatedAt` with offset paging (its known paging defect
 * included), and files as base64 JSON. Any other route answers 404, and every request is logged, so
 * a test can prove the other side used nothing the reference lacks.
 *
 * Its data is in memory: nested root rows per route (as the reference serializes its entities)
 * and file bytes per record channel id.
 */
export class ReferencePeer {
  readonly identity: ReferenceIdentity;
  readonly requests: string[] = [];
  readonly nodes = new Map<string, RegisteredNode>();
  private readonly channels = new Map<string, Channel>();
  private readonly challenges = new Map<string, { data: string; expires: number }>();
  private readonly sessions = new Map<string, { nodeGuid: string; level: number; expires: number }>();
  private readonly feeds = new Map<string, WireRow[]>(REFERENCE_FEEDS.map((f) => [f.route, []]));
  readonly files = new Map<string, Buffer>();
  /** Fault injection: a request whose `METHOD path` matches fails with 500 (e.g. a page mid-pull). */
  failWhen?: (request: string) => boolean;
  /** Answers as the reference's recording file route would for a file, e.g. to corrupt it. */
  fileOverride?: (recordChannelId: string, content: Buffer) => Buffer;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    identity: ReferenceIdentity,
  ) {
    this.identity = identity;
  }

  static async start(nodeId = 'reference-node'): Promise<ReferencePeer> {
    const identity = referenceIdentity(nodeId);
    const started: { peer?: ReferencePeer } = {};
    const server = createServer((req, res) => void started.peer!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    started.peer = new ReferencePeer(server, `http://127.0.0.1:${port}`, identity);
    return started.peer;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** As `PUT /api/node/{id}/status` + level: the reference operator approves a node by certificate. */
  authorize(certificateDer: string, level: number = REF_LEVEL.ReadWrite, nodeUrl = ''): string {
    const fingerprint = fingerprintOf(certificateDer);
    const existing = this.nodes.get(fingerprint);
    const node: RegisteredNode = existing ?? { id: randomUUID(), nodeName: 'node', nodeUrl, certificate: certificateDer, fingerprint, status: 0, level };
    node.status = REF_STATUS.Authorized;
    node.level = level;
    this.nodes.set(fingerprint, node);
    return node.id;
  }

  /**
   * Loads rows as another node's reference-mode export gave them, in the reference's own shape:
   * without this node's additive fields (origin, file hash/size/type), JSON columns as JSON text.
   */
  load(route: string, rows: WireRow[]): void {
    this.put(route, rows.map((row) => referenceShaped(row)));
  }

  /** Stores (inserts or replaces by key) root rows of a route; their `updatedAt` is as given. */
  put(route: string, rows: WireRow[]): void {
    const key = REFERENCE_FEEDS.find((f) => f.route === route)!.key;
    const list = this.feeds.get(route)!;
    for (const row of rows) {
      const at = list.findIndex((r) => r[key] === row[key]);
      if (at >= 0) list[at] = row;
      else list.push(row);
    }
  }

  rows(route: string): WireRow[] {
    return this.feeds.get(route)!;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const line = `${req.method} ${url.pathname}`;
    this.requests.push(`${line}${url.search}`);
    const raw = await readBody(req);
    const channelId = req.headers['x-channel-id'] as string | undefined;
    const channel = channelId ? this.channels.get(channelId) : undefined;
    try {
      if (this.failWhen?.(`${line}${url.search}`)) throw new HttpFailure(500, { error: 'ERR_EXPORT_FAILED', message: 'injected failure' });
      const body = raw ? (JSON.parse(raw) as unknown) : undefined;
      // ASP.NET routes before its filters run: an unknown route is a plain 404, channel or not.
      if (!REFERENCE_ROUTES.test(line)) throw new HttpFailure(404, { error: 'ERR_NOT_FOUND', message: `${line} does not exist on a reference node` });
      if (line === 'POST /api/channel/open') return send(res, 200, ...this.openChannel(body as Record<string, string>));
      if (!channel) throw new HttpFailure(400, refError('ERR_INVALID_CHANNEL', 'missing or unknown X-Channel-Id'));
      const plain = body ? decryptJson<Record<string, unknown>>(channel.key, body as EncryptedEnvelope) : {};
      const answer = await this.route(line, url, plain, channel, channelId!, req);
      return send(res, 200, encryptJson(channel.key, answer));
    } catch (error) {
      const failure = error instanceof HttpFailure ? error : new HttpFailure(500, { error: 'ERR_EXPORT_FAILED', message: String(error) });
      // The reference encrypts errors an action returns once the channel is known (§2.0).
      return send(res, failure.status, channel ? encryptJson(channel.key, failure.body) : failure.body);
    }
  }

  private openChannel(body: Record<string, string>): [unknown, Record<string, string>] {
    if (body.protocolVersion !== '1.0') throw new HttpFailure(400, refError('ERR_INCOMPATIBLE_VERSION', 'protocol 1.0 only'));
    const own = generateEphemeralKey('secp384r1');
    const theirs = createPublicKey({ key: Buffer.from(body.ephemeralPublicKey, 'base64'), format: 'der', type: 'spki' });
    const serverNonce = randomBytes(16);
    const key = deriveChannelKey(ecdhSecret(own.privateKey, theirs), Buffer.from(body.nonce, 'base64'), serverNonce);
    const channelId = randomUUID();
    this.channels.set(channelId, { key });
    return [
      {
        protocolVersion: '1.0',
        ephemeralPublicKey: own.publicKeySpki,
        keyExchangeAlgorithm: body.keyExchangeAlgorithm,
        selectedCipher: 'AES-256-GCM',
        timestamp: new Date().toISOString(),
        nonce: serverNonce.toString('base64'),
      },
      { 'X-Channel-Id': channelId },
    ];
  }

  private async route(line: string, url: URL, body: Record<string, unknown>, channel: Channel, channelId: string, req: IncomingMessage): Promise<unknown> {
    switch (line) {
      case 'POST /api/node/identify':
        return this.identify(body, channel, channelId);
      case 'POST /api/node/register':
        return this.register(body);
      case 'POST /api/node/challenge':
        return this.challenge(body, channel, channelId);
      case 'POST /api/node/authenticate':
        return this.authenticate(body, channel, channelId);
      case 'POST /api/session/revoke':
        this.sessions.delete(String(req.headers['x-session-id']));
        return { revoked: true };
    }
    if (!url.pathname.startsWith('/api/sync/')) throw new HttpFailure(404, { error: 'ERR_NOT_FOUND', message: `${line} does not exist on a reference node` });
    this.requireSession(req);
    if (line === 'POST /api/sync/manifest') return this.manifest(body.since as string | undefined);
    const file = /^GET \/api\/sync\/recordings\/([^/]+)\/file$/.exec(line);
    if (file) return this.file(file[1]);
    const route = url.pathname.slice('/api/sync/'.length);
    if (line.startsWith('GET ') && this.feeds.has(route)) return this.page(route, url.searchParams);
    throw new HttpFailure(line.startsWith('GET /api/sync/snomed/') ? 400 : 404, { error: 'ERR_UNKNOWN_ENTITY_TYPE', message: `${line} is not a reference sync route` });
  }

  private identify(body: Record<string, unknown>, channel: Channel, channelId: string) {
    const certificate = String(body.certificate ?? '');
    if (body.signature) {
      const data = `${channelId}${String(body.nodeId)}${dotnetO(new Date(String(body.timestamp)).toISOString())}`;
      if (!verify(certificate, data, String(body.signature)) && !verify(certificate, `${channelId}${String(body.nodeId)}${String(body.timestamp)}`, String(body.signature))) {
        throw new HttpFailure(400, refError('ERR_INVALID_SIGNATURE', 'identify signature invalid'));
      }
    }
    const node = this.nodes.get(fingerprintOf(certificate));
    if (!node) return { isKnown: false, status: REF_STATUS.Unknown, nodeId: body.nodeId, timestamp: new Date().toISOString(), registrationUrl: `${this.url}/api/node/register`, message: 'unknown node', nextPhase: null };
    channel.identifiedId = node.id;
    return {
      isKnown: true,
      status: node.status,
      nodeId: body.nodeId,
      registrationId: node.id,
      nodeName: node.nodeName,
      timestamp: new Date().toISOString(),
      message: 'known',
      nextPhase: node.status === REF_STATUS.Authorized ? 'phase3_authenticate' : null,
    };
  }

  private register(body: Record<string, unknown>) {
    const certificate = String(body.certificate ?? '');
    const fingerprint = fingerprintOf(certificate);
    const existing = this.nodes.get(fingerprint);
    const node: RegisteredNode = existing ?? {
      id: randomUUID(),
      nodeName: String(body.nodeName),
      nodeUrl: String(body.nodeUrl ?? ''),
      certificate,
      fingerprint,
      status: REF_STATUS.Pending,
      level: Number(body.requestedNodeAccessLevel ?? 0),
    };
    node.nodeName = String(body.nodeName);
    node.nodeUrl = String(body.nodeUrl ?? '');
    this.nodes.set(fingerprint, node);
    return { success: true, registrationId: node.id, status: node.status, message: 'registered', estimatedApprovalTime: '1.00:00:00', timestamp: new Date().toISOString() };
  }

  private authorizedNode(channel: Channel): RegisteredNode {
    if (!channel.identifiedId) throw new HttpFailure(400, refError('ERR_NODE_NOT_IDENTIFIED', 'identify first'));
    const node = [...this.nodes.values()].find((n) => n.id === channel.identifiedId);
    if (!node) throw new HttpFailure(400, refError('ERR_NODE_NOT_REGISTERED', 'not registered'));
    if (node.status !== REF_STATUS.Authorized) throw new HttpFailure(400, refError('ERR_NODE_NOT_AUTHORIZED', 'not authorized'));
    return node;
  }

  private challenge(body: Record<string, unknown>, channel: Channel, channelId: string) {
    this.authorizedNode(channel);
    const data = randomBytes(32).toString('base64');
    this.challenges.set(`${channelId}:${String(body.nodeId)}`, { data, expires: Date.now() + 300_000 });
    return { challengeData: data, challengeTimestamp: new Date().toISOString(), challengeTtlSeconds: 300, expiresAt: new Date(Date.now() + 300_000).toISOString() };
  }

  private authenticate(body: Record<string, unknown>, channel: Channel, channelId: string) {
    const node = this.authorizedNode(channel);
    const key = `${String(body.channelId)}:${String(body.nodeId)}`;
    const challenge = this.challenges.get(key);
    this.challenges.delete(key);
    if (!challenge || challenge.expires < Date.now() || challenge.data !== body.challengeData) {
      throw new HttpFailure(400, refError('ERR_INVALID_CHALLENGE_RESPONSE', 'no such challenge'));
    }
    const signed = `${String(body.challengeData)}${channelId}${String(body.nodeId)}${dotnetO(new Date(String(body.timestamp)).toISOString())}`;
    const exact = `${String(body.challengeData)}${channelId}${String(body.nodeId)}${String(body.timestamp)}`;
    if (!verify(node.certificate, signed, String(body.signature)) && !verify(node.certificate, exact, String(body.signature))) {
      throw new HttpFailure(400, refError('ERR_INVALID_CHALLENGE_RESPONSE', 'bad signature'));
    }
    const token = randomUUID();
    const expires = Date.now() + 3_600_000;
    this.sessions.set(token, { nodeGuid: node.id, level: node.level, expires });
    return {
      authenticated: true,
      nodeId: node.id,
      sessionToken: token,
      sessionExpiresAt: new Date(expires).toISOString(),
      grantedNodeAccessLevel: node.level,
      message: 'ok',
      nextPhase: 'phase4_session',
      timestamp: new Date().toISOString(),
    };
  }

  private requireSession(req: IncomingMessage): void {
    const session = this.sessions.get(String(req.headers['x-session-id'] ?? ''));
    if (!session || session.expires < Date.now()) throw new HttpFailure(401, { error: 'ERR_INVALID_SESSION', message: 'Re-authenticate using POST /api/node/authenticate' });
    if (session.level < REF_LEVEL.ReadWrite) throw new HttpFailure(403, { error: 'ERR_INSUFFICIENT_PERMISSIONS', message: 'ReadWrite required', grantedCapabilities: session.level });
  }

  private changedSince(route: string, since: string | null): WireRow[] {
    const rows = this.feeds.get(route)!;
    return since ? rows.filter((r) => isLater(String(r.updatedAt), since)) : [...rows];
  }

  private manifest(since?: string) {
    const count = (routes: string[]) => ({
      count: routes.reduce((n, r) => n + this.changedSince(r, since ?? null).length, 0),
      latestUpdate: null,
    });
    const recordings = this.files.size;
    return {
      nodeId: this.identity.nodeId,
      nodeName: this.identity.nodeName,
      generatedAt: new Date().toISOString(),
      lastSyncedAt: null,
      snomed: count(REFERENCE_FEEDS.filter((f) => f.route.startsWith('snomed/')).map((f) => f.route)),
      volunteers: count(['volunteers']),
      researchers: count(['researchers']),
      devices: count(['devices']),
      research: count(['research']),
      sessions: count(['sessions']),
      recordings: { count: recordings, totalSizeBytes: 0 },
    };
  }

  /** `updated_at > since`, ORDER BY updated_at, Skip/Take: the reference's paging. */
  private page(route: string, query: URLSearchParams): PagedSyncResult {
    const since = query.get('since');
    const page = Math.max(1, Number(query.get('page') ?? 1));
    const pageSize = Math.max(1, Number(query.get('pageSize') ?? 100));
    const rows = this.changedSince(route, since).sort((a, b) => (isLater(String(a.updatedAt), String(b.updatedAt)) ? 1 : isLater(String(b.updatedAt), String(a.updatedAt)) ? -1 : 0));
    return {
      data: rows.slice((page - 1) * pageSize, page * pageSize),
      page,
      pageSize,
      totalRecords: rows.length,
      totalPages: Math.ceil(rows.length / pageSize),
    };
  }

  private file(recordChannelId: string) {
    const content = this.files.get(recordChannelId);
    if (!content) throw new HttpFailure(404, { error: 'ERR_RECORDING_NOT_FOUND', message: `no file for ${recordChannelId}` });
    const served = this.fileOverride ? this.fileOverride(recordChannelId, content) : content;
    return { contentBase64: served.toString('base64'), contentType: 'application/octet-stream', fileName: `${recordChannelId}.csv`, blobPath: `unlinked/${recordChannelId}.csv` };
  }
}

/** Every route this reference node serves (a subset of the reference's: handshake, session revoke, sync export). */
const REFERENCE_ROUTES =
  /^(POST \/api\/(channel\/open|node\/(identify|register|challenge|authenticate)|session\/revoke|sync\/manifest)|GET \/api\/sync\/(snomed\/[^/]+|volunteers|researchers|devices|research|sessions|recordings\/[^/]+\/file))$/;

const ADDITIVE_FIELDS = ['originNodeId', 'fileSha256', 'fileSizeBytes', 'fileContentType'];

function referenceShaped(value: unknown): WireRow {
  const row: WireRow = {};
  for (const [key, field] of Object.entries(value as WireRow)) {
    if (ADDITIVE_FIELDS.includes(key)) continue;
    if (REFERENCE_JSON_STRING_FIELDS.includes(key)) row[key] = typeof field === 'string' || field === null ? field : JSON.stringify(field);
    else if (Array.isArray(field)) row[key] = field.map((item) => (item && typeof item === 'object' ? referenceShaped(item) : item));
    else if (field && typeof field === 'object') row[key] = referenceShaped(field);
    else row[key] = field;
  }
  return row;
}

function fingerprintOf(certificateDer: string): string {
  return createHash('sha256').update(Buffer.from(certificateDer, 'base64')).digest('base64');
}

function verify(certificateDer: string, data: string, signature: string): boolean {
  try {
    const cert = new X509Certificate(Buffer.from(certificateDer, 'base64'));
    return createVerify('sha256').update(data, 'utf8').verify(cert.publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
