import { createPublicKey, randomBytes } from 'node:crypto';
import {
  decryptJson,
  deriveChannelKey,
  ecdhSecret,
  EncryptedEnvelope,
  encryptJson,
  generateEphemeralKey,
  isEnvelope,
} from '../../../src/node-trust/crypto/channel-crypto';
import { dotnetO, isLater, PagedSyncResult, REFERENCE_FEEDS, REFERENCE_PAGE_SIZE, ReferenceIdentity, WireRow } from './reference-wire';

export class ReferenceCallError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    call: string,
  ) {
    super(`${call} → ${status} ${JSON.stringify(body)}`);
  }
}

export interface ReferencePullResult {
  manifest: Record<string, unknown>;
  /** Rows received per route (every page, duplicates included). */
  received: Map<string, WireRow[]>;
}

/**
 * A client that speaks only the reference protocol, as the reference's Phase-18 SyncPullService
 * does: handshake as a client (identify WITH signature over `channelId+nodeId+timestamp(O)`,
 * challenge, authenticate), `POST /api/sync/manifest {since}`, every export route paged with
 * pageSize 100 until `totalPages`, the base64 file of every record channel with a fileUrl, and an
 * import by newer `updatedAt` into its own store (here: memory, per route by root key). The
 * watermark is the manifest's `generatedAt` as .NET re-renders it ("O", 7 digits).
 */
export class ReferenceClient {
  /** The imported rows: route → root key → nested row. */
  readonly store = new Map<string, Map<string, WireRow>>(REFERENCE_FEEDS.map((f) => [f.route, new Map()]));
  readonly files = new Map<string, Buffer>();
  /** last_synced_at of the last completed pull. */
  watermark: string | null = null;
  private channel?: { id: string; key: Buffer };
  private session?: string;

  constructor(
    readonly url: string,
    readonly identity: ReferenceIdentity,
  ) {}

  async handshake(): Promise<void> {
    await this.openOnly();
    const channel = this.channel!;
    const { nodeId } = this.identity;
    const ts = dotnetO(new Date().toISOString());
    const identified = await this.call<Record<string, unknown>>('POST', '/api/node/identify', {
      channelId: channel.id,
      nodeId,
      nodeName: this.identity.nodeName,
      certificate: this.identity.certificateDer,
      timestamp: ts,
      signature: this.identity.sign(`${channel.id}${nodeId}${ts}`),
    });
    if (identified.status !== 1) throw new Error(`not authorized at ${this.url}: ${JSON.stringify(identified)}`);
    const challenge = await this.call<{ challengeData: string }>('POST', '/api/node/challenge', { channelId: channel.id, nodeId, timestamp: dotnetO(new Date().toISOString()) });
    const at = dotnetO(new Date().toISOString());
    const auth = await this.call<{ sessionToken: string }>('POST', '/api/node/authenticate', {
      channelId: channel.id,
      nodeId,
      challengeData: challenge.challengeData,
      signature: this.identity.sign(`${challenge.challengeData}${channel.id}${nodeId}${at}`),
      timestamp: at,
    });
    this.session = auth.sessionToken;
  }

  /** Phase 1 only: a fresh encrypted channel. */
  private async openOnly(): Promise<void> {
    this.session = undefined;
    const own = generateEphemeralKey('secp384r1');
    const nonce = randomBytes(16);
    const opened = await fetch(`${this.url}/api/channel/open`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        protocolVersion: '1.0',
        ephemeralPublicKey: own.publicKeySpki,
        keyExchangeAlgorithm: 'ECDH-P384',
        supportedCiphers: ['AES-256-GCM'],
        timestamp: new Date().toISOString(),
        nonce: nonce.toString('base64'),
      }),
    });
    const ready = (await opened.json()) as Record<string, string>;
    if (opened.status !== 200) throw new ReferenceCallError(opened.status, ready, 'POST /api/channel/open');
    const peerKey = createPublicKey({ key: Buffer.from(ready.ephemeralPublicKey, 'base64'), format: 'der', type: 'spki' });
    this.channel = { id: opened.headers.get('x-channel-id')!, key: deriveChannelKey(ecdhSecret(own.privateKey, peerKey), nonce, Buffer.from(ready.nonce, 'base64')) };
  }

  /** Asks to be registered (POST /api/node/register); the node's operator then approves it. */
  async register(requestedNodeAccessLevel: number): Promise<Record<string, unknown>> {
    await this.openOnly();
    return this.call('POST', '/api/node/register', {
      nodeId: this.identity.nodeId,
      nodeName: this.identity.nodeName,
      certificate: this.identity.certificateDer,
      contactInfo: 'reference@example.org',
      institutionDetails: 'reference institution',
      nodeUrl: 'http://reference.invalid',
      requestedNodeAccessLevel,
      timestamp: new Date().toISOString(),
    });
  }

  /** One encrypted call (GET has no body); error bodies are decrypted when encrypted. */
  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
    const channel = this.channel!;
    const headers: Record<string, string> = { 'X-Channel-Id': channel.id, 'Content-Type': 'application/json', ...extraHeaders };
    if (this.session) headers['X-Session-Id'] = this.session;
    // As the reference's NodeChannelClient.InvokeAsync: the body as given, encrypted; GET without one.
    const payload = method === 'POST' ? (body ?? {}) : undefined;
    const res = await fetch(`${this.url}${path}`, { method, headers, body: payload ? JSON.stringify(encryptJson(channel.key, payload)) : undefined });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    const plain = isEnvelope(parsed) ? decryptJson<unknown>(channel.key, parsed as EncryptedEnvelope) : parsed;
    if (!res.ok) throw new ReferenceCallError(res.status, plain, `${method} ${path}`);
    return plain as T;
  }

  /**
   * One pull: manifest, every route to its last page, files, import. `betweenPages` runs after each
   * page (tests change the source there). The store and watermark change only when it all succeeds.
   */
  async pull(options: { betweenPages?: (route: string, page: number) => Promise<void> } = {}): Promise<ReferencePullResult> {
    if (!this.session) await this.handshake();
    const since = this.watermark ?? undefined;
    const manifest = await this.call<Record<string, unknown>>('POST', '/api/sync/manifest', since ? { since } : {});
    const received = new Map<string, WireRow[]>();
    for (const feed of REFERENCE_FEEDS) {
      const rows: WireRow[] = [];
      for (let page = 1; ; page++) {
        const query = new URLSearchParams({ page: String(page), pageSize: String(REFERENCE_PAGE_SIZE) });
        if (since) query.set('since', since);
        const result = await this.call<PagedSyncResult>('GET', `/api/sync/${feed.route}?${query}`);
        rows.push(...result.data);
        await options.betweenPages?.(feed.route, page);
        if (page >= result.totalPages) break;
      }
      received.set(feed.route, rows);
    }
    const files = new Map<string, Buffer>();
    for (const session of received.get('sessions') ?? []) {
      for (const record of (session.records as WireRow[] | undefined) ?? []) {
        for (const channel of (record.recordChannels as WireRow[] | undefined) ?? []) {
          if (!channel.fileUrl) continue;
          const file = await this.call<{ contentBase64: string }>('GET', `/api/sync/recordings/${String(channel.id)}/file`);
          files.set(String(channel.id), Buffer.from(file.contentBase64, 'base64'));
        }
      }
    }
    for (const feed of REFERENCE_FEEDS) {
      const store = this.store.get(feed.route)!;
      for (const row of received.get(feed.route)!) {
        const key = String(row[feed.key]);
        const local = store.get(key);
        if (!local || isLater(String(row.updatedAt), String(local.updatedAt))) store.set(key, row);
      }
    }
    for (const [id, content] of files) this.files.set(id, content);
    this.watermark = dotnetO(String(manifest.generatedAt));
    return { manifest, received };
  }
}
