import { createPublicKey, randomBytes } from 'node:crypto';
import request from 'supertest';
import {
  decryptJson,
  deriveChannelKey,
  ecdhSecret,
  EncryptedEnvelope,
  encryptJson,
  generateEphemeralKey,
  isEnvelope,
} from '../../../src/node-trust/crypto/channel-crypto';
import { formatO } from '../../../src/node-trust/crypto/timestamp';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  /** The body as sent (envelope or plaintext). */
  raw: unknown;
  /** The body decrypted when it was an envelope. */
  body: Record<string, unknown>;
  encrypted: boolean;
}

/** A hand-driven channel (a reference-like client) for crafting valid and invalid requests. */
export class RawChannel {
  private constructor(
    readonly url: string,
    readonly channelId: string,
    readonly key: Buffer,
  ) {}

  static openRequest(overrides: Record<string, unknown> = {}) {
    const own = generateEphemeralKey('secp384r1');
    const nonce = randomBytes(32);
    return {
      own,
      nonce,
      body: {
        protocolVersion: '1.0',
        ephemeralPublicKey: own.publicKeySpki,
        keyExchangeAlgorithm: 'ECDH-P384',
        supportedCiphers: ['AES-256-GCM', 'ChaCha20-Poly1305'],
        timestamp: new Date().toISOString(),
        nonce: nonce.toString('base64'),
        ...overrides,
      },
    };
  }

  static async open(url: string): Promise<RawChannel> {
    const { own, nonce, body } = RawChannel.openRequest();
    const res = await request(url).post('/api/channel/open').send(body);
    if (res.status !== 200) throw new Error(`open failed: ${res.status} ${JSON.stringify(res.body)}`);
    const peer = createPublicKey({ key: Buffer.from(res.body.ephemeralPublicKey, 'base64'), format: 'der', type: 'spki' });
    const key = deriveChannelKey(ecdhSecret(own.privateKey, peer), nonce, Buffer.from(res.body.nonce, 'base64'));
    return new RawChannel(url, res.headers['x-channel-id'], key);
  }

  /** The same channel addressed to another instance (replica) of the node. */
  at(url: string): RawChannel {
    return new RawChannel(url, this.channelId, this.key);
  }

  encrypt(body: unknown): EncryptedEnvelope {
    return encryptJson(this.key, body);
  }

  async send(
    method: 'post' | 'get',
    path: string,
    options: { body?: unknown; envelope?: unknown; session?: string; channelId?: string | null; bearer?: string; headers?: Record<string, string> } = {},
  ): Promise<RawAnswer> {
    let req = request(this.url)[method](path);
    for (const [name, value] of Object.entries(options.headers ?? {})) req = req.set(name, value);
    if (options.channelId !== null) req = req.set('X-Channel-Id', options.channelId ?? this.channelId);
    if (options.session) req = req.set('X-Session-Id', options.session);
    if (options.bearer) req = req.set('Authorization', `Bearer ${options.bearer}`);
    const payload = options.envelope ?? (options.body === undefined ? undefined : this.encrypt(options.body));
    const res = payload === undefined ? await req : await req.send(payload as object);
    const encrypted = isEnvelope(res.body);
    return {
      status: res.status,
      headers: res.headers as Record<string, string>,
      raw: res.body,
      body: encrypted ? decryptJson(this.key, res.body) : res.body,
      encrypted,
    };
  }

  post(path: string, body: unknown, session?: string): Promise<RawAnswer> {
    return this.send('post', path, { body, session });
  }
}

/** Signs like the reference client: text + .NET "O" timestamp. */
export function signedNow(sign: (data: string) => string, prefix: string): { timestamp: string; signature: string } {
  const timestamp = formatO();
  return { timestamp, signature: sign(`${prefix}${timestamp}`) };
}
