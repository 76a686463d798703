/**
 * A test client that behaves like the IRIS desktop's @iris/middleware, written from
 * ../shared/reference/iris-desktop-api.md §1.2 (not from this node's code): WebCrypto (ECDH P-384,
 * HKDF-SHA256 "IRN-Channel-v1.0", AES-256-GCM), `fetch`, `Content-Type: application/json` on every
 * request, X-Channel-Id / X-Session-Id / Bearer headers, GET without a body, every other body the
 * envelope of `{...payload, channelId, sessionToken, timestamp}`, and responses decrypted only when
 * JSON. Self-contained (no runtime imports, no Node APIs) so the same file runs in a browser page.
 */

// Type-only (erased when transpiled for the browser page).
import type { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

export interface IrisIdentity {
  /** Certificate subject = the nodeId the desktop sends (VITE_IRN_MIDDLEWARE_SUBJECT_NAME). */
  nodeId: string;
  /** Base64 DER of the desktop's X.509 certificate. */
  certificate: string;
  /** Base64 PKCS#8 DER of its RSA private key (the desktop reads a PKCS#12; same key). */
  privateKeyPkcs8: string;
}

export interface IrisAnswer<T = unknown> {
  status: number;
  /** Decrypted body (or the plain body, or undefined when empty). */
  body: T;
  headers: Record<string, string>;
  /** The body arrived as an encrypted envelope. */
  encrypted: boolean;
  /** What `invoke` of the real middleware would do: 2xx resolves, anything else throws. */
  ok: boolean;
}

type Envelope = { encryptedData: string; iv: string; authTag: string };

const INFO = 'IRN-Channel-v1.0';
const CHANNEL_TTL_MS = 30 * 60_000;

function toBase64(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (let i = 0; i < view.length; i += 1) binary += String.fromCharCode(view[i]);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function isEnvelope(value: unknown): value is Envelope {
  const v = value as Record<string, unknown> | null;
  return !!v && typeof v === 'object' && typeof v.encryptedData === 'string' && typeof v.iv === 'string' && typeof v.authTag === 'string';
}

export class IrisClient {
  private channel: { id: string; key: CryptoKey; expiresAt: number } | null = null;
  private session: { token: string; expiresAt: number; nodeId?: string } | null = null;
  /** The user JWT (secure-storage `userauth:state` in the desktop). */
  token: string | null = null;
  /** Every exchange, for assertions: method, path, headers and plaintext body sent, the answer. */
  readonly log: { method: string; path: string; headers: Record<string, string>; body?: unknown; answer: IrisAnswer }[] = [];

  constructor(
    readonly baseUrl: string,
    private readonly identity: IrisIdentity,
  ) {}

  get channelId(): string | undefined {
    return this.channel?.id;
  }

  get sessionToken(): string | undefined {
    return this.session?.token;
  }

  /** H1 `POST /api/channel/open` (plain). */
  async openChannel(): Promise<IrisAnswer> {
    const subtle = globalThis.crypto.subtle;
    const pair = (await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, true, ['deriveBits'])) as CryptoKeyPair;
    const nonce = globalThis.crypto.getRandomValues(new Uint8Array(32));
    const body = {
      protocolVersion: '1.0',
      ephemeralPublicKey: toBase64(await subtle.exportKey('spki', pair.publicKey)),
      keyExchangeAlgorithm: 'ECDH-P384',
      supportedCiphers: ['AES-256-GCM', 'ChaCha20-Poly1305'],
      timestamp: new Date().toISOString(),
      nonce: toBase64(nonce),
    };
    const answer = await this.send('POST', '/api/channel/open', { 'Content-Type': 'application/json' }, body, false);
    const channelId = answer.headers['x-channel-id'];
    if (answer.status !== 200) return answer;
    if (!channelId) throw new Error('ChannelManager: missing X-Channel-Id header in channel open response.');
    const reply = answer.body as { ephemeralPublicKey: string; nonce: string };
    const peer = await subtle.importKey('spki', fromBase64(reply.ephemeralPublicKey), { name: 'ECDH', namedCurve: 'P-384' }, false, []);
    const secret = await subtle.deriveBits({ name: 'ECDH', public: peer }, pair.privateKey, 384);
    const serverNonce = fromBase64(reply.nonce);
    const salt = new Uint8Array(nonce.length + serverNonce.length);
    salt.set(nonce, 0);
    salt.set(serverNonce, nonce.length);
    const hkdf = await subtle.importKey('raw', secret, 'HKDF', false, ['deriveKey']);
    const key = await subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt, info: new TextEncoder().encode(INFO) },
      hkdf,
      { name: 'AES-GCM', length: 256 },
      true,
      ['encrypt', 'decrypt'],
    );
    this.channel = { id: channelId, key, expiresAt: Date.now() + CHANNEL_TTL_MS };
    this.session = null;
    return answer;
  }

  /** H2–H4: identify (no signature, as IRIS), challenge, authenticate with the signed challenge. */
  async ensureSession(): Promise<void> {
    if (!this.channel || Date.now() >= this.channel.expiresAt - 5_000) await this.openChannel();
    if (this.session && Date.now() < this.session.expiresAt - 5_000) return;
    const channelId = this.channel!.id;
    const nodeId = this.identity.nodeId;
    const identify = await this.channelCall('POST', '/api/node/identify', {
      channelId,
      nodeId,
      certificate: this.identity.certificate,
      timestamp: new Date().toISOString(),
    });
    const status = identify.body as { isKnown?: boolean; status?: number; registrationId?: string; message?: string };
    if (!identify.ok || !status.isKnown || status.status !== 1 || !status.registrationId) {
      throw new Error(`Node identification failed: ${status?.message ?? identify.status}`);
    }
    const requested = new Date().toISOString();
    const challenge = await this.channelCall('POST', '/api/node/challenge', { channelId, nodeId, timestamp: requested });
    if (!challenge.ok) throw new Error(`challenge failed: HTTP ${challenge.status}`);
    const { challengeData, challengeTimestamp } = challenge.body as { challengeData: string; challengeTimestamp?: string };
    const timestamp = challengeTimestamp ?? requested;
    const signature = await this.sign(`${challengeData}${channelId}${nodeId}${timestamp}`);
    const auth = await this.channelCall('POST', '/api/node/authenticate', { channelId, nodeId, challengeData, signature, timestamp });
    const result = auth.body as { authenticated?: boolean; sessionToken: string; sessionExpiresAt: string; nodeId?: string };
    if (!auth.ok || !result.authenticated) throw new Error(`Node authentication failed: HTTP ${auth.status}`);
    this.session = { token: result.sessionToken, expiresAt: Date.parse(result.sessionExpiresAt), nodeId: result.nodeId };
  }

  /** `middleware.invoke`: channel + session, the middleware's extra body members, Bearer when signed in. */
  async invoke<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, payload: Record<string, unknown> = {}): Promise<IrisAnswer<T>> {
    await this.ensureSession();
    const headers = await this.headers(true);
    if (method === 'GET') return this.send<T>(method, path, headers, undefined, true);
    const body = { ...payload, channelId: this.channel!.id, sessionToken: this.session!.token, timestamp: new Date().toISOString() };
    return this.send<T>(method, path, headers, body, true);
  }

  /** A1: UserAuthService.login — base64 (btoa) password through channel + session. */
  async login(username: string, password: string, researchId?: string): Promise<IrisAnswer<{ token: string; expiration: string }>> {
    await this.ensureSession();
    const answer = await this.invoke<{ token: string; expiration: string }>('POST', '/api/userauth/login', {
      username,
      password: btoa(password),
      token: '',
      researchId,
    });
    if (answer.ok) this.token = answer.body.token;
    return answer;
  }

  /** A2: refresh with the current token in the header (and, ignored, in the body). */
  async refreshToken(): Promise<IrisAnswer<{ token: string; expiration: string }>> {
    const answer = await this.invoke<{ token: string; expiration: string }>('POST', '/api/userauth/refreshtoken', { token: this.token });
    if (answer.ok) this.token = answer.body.token;
    return answer;
  }

  /** H5: renew, sent like SessionManager.renewSession: no X-Session-Id, the token in the body. */
  async renewSession(additionalSeconds = 1800): Promise<IrisAnswer> {
    return this.channelCall('POST', '/api/session/renew', {
      channelId: this.channel!.id,
      sessionToken: this.session!.token,
      additionalSeconds,
      timestamp: new Date().toISOString(),
    });
  }

  /** H6: revoke, also without X-Session-Id. */
  async revokeSession(): Promise<IrisAnswer> {
    const answer = await this.channelCall('POST', '/api/session/revoke', {
      channelId: this.channel!.id,
      sessionToken: this.session!.token,
      timestamp: new Date().toISOString(),
    });
    this.session = null;
    return answer;
  }

  /** RS24: the export is a raw fetch with only the Bearer header (no channel). */
  async rawGet(path: string): Promise<{ status: number; headers: Record<string, string>; bytes: Uint8Array }> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: this.token ? { Authorization: `Bearer ${this.token}` } : {} });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => (headers[key.toLowerCase()] = value));
    return { status: res.status, headers, bytes: new Uint8Array(await res.arrayBuffer()) };
  }

  private async headers(withSession: boolean): Promise<Record<string, string>> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Channel-Id': this.channel!.id };
    if (withSession && this.session) headers['X-Session-Id'] = this.session.token;
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    return headers;
  }

  /** A call over the channel WITHOUT the session header (handshake phases; also for negative tests). */
  async channelCall(method: 'POST', path: string, body: Record<string, unknown>): Promise<IrisAnswer> {
    return this.send(method, path, await this.headers(false), body, true);
  }

  private async sign(text: string): Promise<string> {
    const subtle = globalThis.crypto.subtle;
    const key = await subtle.importKey('pkcs8', fromBase64(this.identity.privateKeyPkcs8), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    return toBase64(await subtle.sign('RSASSA-PKCS1-v1_5', key, new TextEncoder().encode(text)));
  }

  private async send<T>(method: string, path: string, headers: Record<string, string>, body: unknown, encrypted: boolean): Promise<IrisAnswer<T>> {
    const payload = body === undefined ? undefined : encrypted ? await this.encrypt(body) : body;
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload) });
    const responseHeaders: Record<string, string> = {};
    res.headers.forEach((value, key) => (responseHeaders[key.toLowerCase()] = value));
    const isJson = (res.headers.get('content-type') ?? '').includes('application/json');
    const text = await res.text();
    let data: unknown = isJson && text ? JSON.parse(text) : text || undefined;
    const wasEnvelope = isEnvelope(data);
    if (wasEnvelope && this.channel) data = await this.decrypt(data as Envelope);
    const answer = { status: res.status, body: data as T, headers: responseHeaders, encrypted: wasEnvelope, ok: res.status >= 200 && res.status < 300 };
    this.log.push({ method, path, headers, body, answer });
    return answer;
  }

  private async encrypt(value: unknown): Promise<Envelope> {
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(
      await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, tagLength: 128 }, this.channel!.key, new TextEncoder().encode(JSON.stringify(value))),
    );
    return { encryptedData: toBase64(sealed.slice(0, sealed.length - 16)), iv: toBase64(iv), authTag: toBase64(sealed.slice(sealed.length - 16)) };
  }

  private async decrypt(envelope: Envelope): Promise<unknown> {
    const data = fromBase64(envelope.encryptedData);
    const tag = fromBase64(envelope.authTag);
    const combined = new Uint8Array(data.length + tag.length);
    combined.set(data, 0);
    combined.set(tag, data.length);
    const plain = await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(envelope.iv), tagLength: 128 }, this.channel!.key, combined);
    const text = new TextDecoder().decode(plain);
    return text ? JSON.parse(text) : undefined;
  }
}
