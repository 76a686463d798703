import axios, { AxiosInstance, Method } from 'axios';
import { createPublicKey, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { NodeAccessLevel } from '../../core/auth/access';
import {
  curveOf,
  decryptBytes,
  deriveChannelKey,
  ecdhSecret,
  encryptJson,
  EnvelopeError,
  envelopeOf,
  generateEphemeralKey,
} from '../crypto/channel-crypto';
import { parseCertificate, verifyWithCertificate } from '../crypto/certificates';
import { formatO } from '../crypto/timestamp';
import { ChannelTranscript, TRANSCRIPT_SIGNATURE_FIELD, transcriptText } from '../crypto/transcript';
import { HEADER_CHANNEL, HEADER_SESSION, PROTOCOL_VERSION } from '../protocol';
import { PeerError } from '../../core/errors/peer-error';
import { directJsonCall, PEER_ANSWER_MAX_BYTES, PeerAnswer } from './direct-json-call';
import { notAuthorizedMessage, peerErrorFromAxios, peerErrorFromBody } from './peer-error';
import { StreamedBody, StreamedGet } from './streamed-get';
import type { ClientIdentity, NodeChannelClientOptions, PeerStream, PeerTarget, RegistrationRequest } from './node-channel-client.types';

export type { ClientIdentity, NodeChannelClientOptions, PeerStream, PeerTarget, RegistrationRequest } from './node-channel-client.types';

interface ClientChannel {
  channelId: string;
  key: Buffer;
  expiresAt: number;
  transcript: ChannelTranscript;
}

interface ClientSession {
  token: string;
  expiresAt: number;
  nodeId: string;
  grantedNodeAccessLevel: NodeAccessLevel;
}

const CHANNEL_LIFETIME_MS = 30 * 60_000;


/**
 * This node as a client of a peer: the 4-phase handshake and encrypted calls (reference
 * NodeChannelClient + IRIS SessionManager). `invoke` and `stream` (re)connect on demand: before
 * the channel or session expires, or once when the peer answers unknown channel / invalid session.
 */
export class NodeChannelClient {
  private readonly http: AxiosInstance;
  private channel?: ClientChannel;
  private session?: ClientSession;
  /** The handshake in progress, if any. */
  private handshake?: Promise<void>;
  private readonly margin: number;
  /** Streamed GETs read into reused buffers (file frames); undefined unless asked (not behind a proxy: axios then). */
  private readonly streamedGet?: StreamedGet;
  /** JSON calls straight over node:http(s) (directJsonCall), where neither a proxy nor gzip needs axios. */
  private readonly direct: boolean;
  /** The largest JSON answer read from the peer (options.maxAnswerBytes, else PEER_ANSWER_MAX_BYTES). */
  private readonly maxAnswerBytes: number;

  constructor(
    readonly peer: PeerTarget,
    private readonly identity: ClientIdentity,
    private readonly options: NodeChannelClientOptions = {},
  ) {
    this.maxAnswerBytes = options.maxAnswerBytes ?? PEER_ANSWER_MAX_BYTES;
    this.http = axios.create({
      baseURL: peer.url.replace(/\/$/, ''),
      timeout: options.timeoutMs ?? 60_000,
      validateStatus: () => true,
      headers: { 'Accept-Encoding': options.compression ? 'gzip' : 'identity' },
      maxContentLength: this.maxAnswerBytes,
      maxBodyLength: Infinity,
      httpsAgent: options.httpsAgent,
    });
    this.margin = options.expiryMarginMs ?? 60_000;
    this.direct = options.streamsInPlace === true && !options.compression && /^https?:\/\/[^/]/i.test(peer.url);
    if (this.direct) {
      this.streamedGet = new StreamedGet(new URL(peer.url), { timeoutMs: options.timeoutMs ?? 60_000, tls: options.httpsAgent?.options });
    }
  }

  get channelId(): string | undefined {
    return this.channel?.channelId;
  }

  get sessionToken(): string | undefined {
    return this.session?.token;
  }

  get grantedAccessLevel(): NodeAccessLevel | undefined {
    return this.session?.grantedNodeAccessLevel;
  }

  /** Phase 1. */
  async openChannel(): Promise<string> {
    const algorithm = this.options.keyExchangeAlgorithm ?? 'ECDH-P384';
    const curve = curveOf(algorithm)!;
    const own = generateEphemeralKey(curve.nodeCurve);
    const clientNonce = randomBytes(32);
    const res = await this.send('POST', '/api/channel/open', {
      data: {
        protocolVersion: PROTOCOL_VERSION,
        ephemeralPublicKey: own.publicKeySpki,
        keyExchangeAlgorithm: algorithm,
        supportedCiphers: ['AES-256-GCM'],
        timestamp: formatO(),
        nonce: clientNonce.toString('base64'),
      },
    });
    if (res.status !== 200) throw peerErrorFromBody(res.status, res.data, res.headers['retry-after']);
    const channelId = String(res.headers[HEADER_CHANNEL.toLowerCase()] ?? '');
    const body = res.data as Record<string, string>;
    if (!channelId || !body?.ephemeralPublicKey || !body.nonce) throw new PeerError(res.status, 'ERR_PEER_PROTOCOL', 'channel open answer lacks X-Channel-Id, key or nonce', false);
    const serverNonce = Buffer.from(body.nonce, 'base64');
    const transcript: ChannelTranscript = {
      channelId,
      clientEphemeralPublicKey: own.publicKeySpki,
      serverEphemeralPublicKey: body.ephemeralPublicKey,
      clientNonce: clientNonce.toString('base64'),
      serverNonce: serverNonce.toString('base64'),
    };
    this.channel = undefined;
    this.session = undefined;
    await this.checkPeerIdentity(transcript, body[TRANSCRIPT_SIGNATURE_FIELD]);
    const peerKey = createPublicKey({ key: Buffer.from(body.ephemeralPublicKey, 'base64'), format: 'der', type: 'spki' });
    const key = deriveChannelKey(ecdhSecret(own.privateKey, peerKey), clientNonce, serverNonce);
    this.channel = { channelId, key, expiresAt: Date.now() + CHANNEL_LIFETIME_MS, transcript };
    return channelId;
  }

  /**
   * The serving node proves it holds the key of the certificate we recorded for it, over THIS
   * channel's transcript: a relay (another channel id, other keys or nonces) or another node
   * answering at the URL fails here, before identify sends anything.
   */
  private async checkPeerIdentity(transcript: ChannelTranscript, signature: unknown): Promise<void> {
    const mismatch = (why: string) => new PeerError(502, 'ERR_PEER_IDENTITY_MISMATCH', `${this.peer.url} is not the node recorded for this connection: ${why}`, false);
    if (typeof signature !== 'string' || signature === '') {
      if (this.peer.requireTranscriptSignature) throw mismatch('it did not sign the channel transcript (only connections marked as reference-protocol may skip it)');
      return;
    }
    if (!this.peer.certificate) {
      if (this.peer.requireTranscriptSignature) throw mismatch('no certificate is recorded for this connection');
      return;
    }
    let certificate;
    try {
      certificate = parseCertificate(this.peer.certificate);
    } catch {
      throw mismatch('the recorded certificate cannot be read');
    }
    if (!verifyWithCertificate(certificate, [transcriptText(transcript, 'server')], signature)) throw mismatch('its transcript signature does not verify with the recorded certificate');
    await this.peer.onTranscriptVerified?.();
  }

  /** This node's additive signature of the current channel's transcript (identify, register, authenticate). */
  private transcriptSignature(): Record<string, string> {
    if (this.options.signTranscript === false) return {};
    return { [TRANSCRIPT_SIGNATURE_FIELD]: this.identity.sign(transcriptText(this.requireChannel().transcript, 'client')) };
  }

  /** Phase 2 (signed over channelId + nodeId + timestamp "O"). */
  async identify(options: { sign?: boolean } = {}): Promise<Record<string, unknown>> {
    const channel = this.requireChannel();
    const timestamp = formatO();
    const sign = options.sign ?? true;
    return this.channelCall('POST', '/api/node/identify', {
      channelId: channel.channelId,
      nodeId: this.identity.nodeId,
      nodeName: this.identity.nodeName,
      certificate: this.identity.certificateDer,
      timestamp,
      signature: sign ? this.identity.sign(`${channel.channelId}${this.identity.nodeId}${timestamp}`) : '',
      ...(sign ? this.transcriptSignature() : {}),
    });
  }

  async register(request: RegistrationRequest = {}): Promise<Record<string, unknown>> {
    return this.channelCall('POST', '/api/node/register', {
      nodeId: this.identity.nodeId,
      nodeName: this.identity.nodeName,
      certificate: this.identity.certificateDer,
      contactInfo: request.contactInfo ?? '',
      institutionDetails: request.institutionDetails ?? '',
      nodeUrl: request.nodeUrl ?? '',
      requestedNodeAccessLevel: request.requestedNodeAccessLevel ?? NodeAccessLevel.ReadOnly,
      timestamp: formatO(),
      ...this.transcriptSignature(),
    });
  }

  /** Phase 3a. */
  async requestChallenge(): Promise<{ challengeData: string; expiresAt: string }> {
    const channel = this.requireChannel();
    return this.channelCall('POST', '/api/node/challenge', { channelId: channel.channelId, nodeId: this.identity.nodeId, timestamp: formatO() });
  }

  /** Phase 3b: signs challengeData + channelId + nodeId + timestamp "O"; opens the session. */
  async authenticate(challengeData: string): Promise<Record<string, unknown>> {
    const channel = this.requireChannel();
    const timestamp = formatO();
    const signature = this.identity.sign(`${challengeData}${channel.channelId}${this.identity.nodeId}${timestamp}`);
    const answer = await this.channelCall<Record<string, unknown>>('POST', '/api/node/authenticate', {
      channelId: channel.channelId,
      nodeId: this.identity.nodeId,
      challengeData,
      signature,
      timestamp,
      ...this.transcriptSignature(),
    });
    if (answer.authenticated !== true || typeof answer.sessionToken !== 'string') {
      throw new PeerError(200, 'ERR_PEER_PROTOCOL', 'authenticate answer carries no session', false, undefined, answer);
    }
    this.session = {
      token: answer.sessionToken,
      expiresAt: Date.parse(String(answer.sessionExpiresAt)) || Date.now() + 3600_000,
      nodeId: String(answer.nodeId),
      grantedNodeAccessLevel: Number(answer.grantedNodeAccessLevel) as NodeAccessLevel,
    };
    return answer;
  }

  /** Phases 1-4. Fails with ERR_NODE_NOT_AUTHORIZED / ERR_NODE_UNKNOWN when the peer does not (yet) trust us. */
  async connect(): Promise<void> {
    await this.openChannel();
    const status = await this.identify();
    if (status.isKnown !== true) throw new PeerError(403, 'ERR_NODE_UNKNOWN', 'the peer does not know this node; register first', false, undefined, status);
    if (status.status !== 1) throw new PeerError(403, 'ERR_NODE_NOT_AUTHORIZED', notAuthorizedMessage(status.status), false, undefined, status);
    const challenge = await this.requestChallenge();
    await this.authenticate(challenge.challengeData);
  }

  /** An encrypted call with session; decrypts the answer (also encrypted error bodies). */
  async invoke<T = unknown>(method: Method, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.withSession(async (channel, session) => {
      const res = await this.send(method, path, {
        data: body === undefined ? undefined : encryptJson(channel.key, body),
        headers: { ...headers, ...this.sessionHeaders(channel, session) },
      });
      return this.readAnswer<T>(res, channel);
    });
  }

  /** Like invoke, but returns the raw response stream of a 2xx answer (file downloads). */
  async stream(method: Method, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<PeerStream> {
    return this.withSession(async (channel, session) => {
      const res = await this.viaAxios<Readable>(method, path, {
        data: body === undefined ? undefined : encryptJson(channel.key, body),
        headers: { ...headers, ...this.sessionHeaders(channel, session) },
        responseType: 'stream',
        signal,
      });
      if (res.status >= 200 && res.status < 300) {
        return { status: res.status, headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])), data: res.data };
      }
      const chunks: Buffer[] = [];
      for await (const chunk of res.data) chunks.push(Buffer.from(chunk));
      const text = Buffer.concat(chunks).toString('utf8');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return this.readAnswer<never>({ status: res.status, headers: res.headers, data: parsed }, channel);
    });
  }

  /** False unless the options asked for it (not behind a proxy, which only axios goes through): use `stream` then. */
  get streamsInPlace(): boolean {
    return this.streamedGet !== undefined;
  }

  /** Like stream (GET), with the body read in place (StreamedGet: views of a reused buffer, for file frames). */
  async streamInPlace(path: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<StreamedBody> {
    const get = this.streamedGet;
    if (!get) throw new Error('this client does not stream in place');
    return this.withSession(async (channel, session) => {
      const res = await get.get(path, { ...headers, ...this.sessionHeaders(channel, session) }, signal);
      if (res.status >= 200 && res.status < 300) return res;
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return this.readAnswer<never>({ status: res.status, headers: res.headers, data: parsed }, channel);
    });
  }

  /** The channel's AES-256 key (decrypts streamed file frames); requires an open channel. */
  get channelKey(): Buffer {
    return this.requireChannel().key;
  }

  /** Ends the session at the peer (best effort) and forgets channel and session. */
  async close(): Promise<void> {
    if (this.session && this.channel && this.channel.expiresAt > Date.now()) {
      await this.send('POST', '/api/session/revoke', { data: encryptJson(this.channel.key, {}), headers: this.sessionHeaders(this.channel, this.session) }).catch(() => undefined);
    }
    this.session = undefined;
    this.channel = undefined;
    this.streamedGet?.close();
  }

  /**
   * Runs a call with a valid channel and session (handshaking first when they expire, and again once
   * when the peer no longer knows them, e.g. after its restart). Calls run side by side (two feeds,
   * four files): they share one handshake, and each call encrypts and decrypts with the channel it
   * was sent on, never with one a concurrent handshake put in place meanwhile.
   */
  private async withSession<T>(call: (channel: ClientChannel, session: ClientSession) => Promise<T>): Promise<T> {
    if (this.handshake) await this.handshake;
    const now = Date.now() + this.margin;
    if (!this.channel || !this.session || this.channel.expiresAt <= now || this.session.expiresAt <= now) await this.rehandshake();
    const [channel, session] = [this.channel!, this.session!];
    try {
      return await call(channel, session);
    } catch (error) {
      const stale = error instanceof PeerError && (error.code === 'ERR_INVALID_SESSION' || error.code === 'ERR_INVALID_CHANNEL');
      if (!stale) throw error;
      // Another call may have shaken hands already since this one was sent.
      if (this.handshake) await this.handshake;
      else if (this.channel === channel && this.session === session) await this.rehandshake();
      return call(this.channel!, this.session!);
    }
  }

  /** One handshake at a time; concurrent callers wait for the same one. */
  private rehandshake(): Promise<void> {
    this.handshake ??= this.connect().finally(() => {
      this.handshake = undefined;
    });
    return this.handshake;
  }

  private sessionHeaders(channel: ClientChannel, session: ClientSession): Record<string, string> {
    return { [HEADER_CHANNEL]: channel.channelId, [HEADER_SESSION]: session.token };
  }

  private requireChannel(): ClientChannel {
    if (!this.channel) throw new PeerError(0, 'ERR_NO_CHANNEL', 'open a channel first', false);
    return this.channel;
  }

  private async channelCall<T>(method: Method, path: string, body: unknown): Promise<T> {
    const channel = this.requireChannel();
    const res = await this.send(method, path, { data: encryptJson(channel.key, body), headers: { [HEADER_CHANNEL]: channel.channelId } });
    return this.readAnswer<T>(res);
  }

  /** Decrypts an envelope body (any status) with the channel the call went on; non-2xx becomes a PeerError. */
  private readAnswer<T>(res: PeerAnswer, channel: ClientChannel | undefined = this.channel): T {
    let body: unknown = res.data;
    const envelope = envelopeOf(body);
    if (envelope && channel) {
      try {
        const text = decryptBytes(channel.key, envelope).toString('utf8');
        body = text.trim() === '' ? undefined : JSON.parse(text);
      } catch (error) {
        const reason = error instanceof EnvelopeError ? error.message : 'answer is not JSON';
        throw new PeerError(res.status, 'ERR_PEER_PROTOCOL', `cannot read the peer's encrypted answer: ${reason}`, false);
      }
    }
    if (res.status >= 200 && res.status < 300) {
      // Every successful answer on a channel is encrypted: a plaintext one is not from a peer we trust.
      const empty = body === '' || body === undefined || body === null;
      if (!envelope && !empty) throw new PeerError(res.status, 'ERR_PEER_PROTOCOL', 'the peer answered in plaintext on an encrypted channel', false);
      return (empty ? undefined : body) as T;
    }
    throw peerErrorFromBody(res.status, body, res.headers?.['retry-after']);
  }

  /** A JSON call: straight over node:http(s) where nothing needs axios (directJsonCall), else through it. */
  private async send<T = unknown>(method: Method, path: string, config: { data?: unknown; headers?: Record<string, string> }): Promise<PeerAnswer<T>> {
    if (!this.direct) return this.viaAxios<T>(method, path, config);
    const target = { url: `${this.peer.url.replace(/\/$/, '')}${path}`, method };
    return directJsonCall<T>(target, config.data, config.headers ?? {}, { timeoutMs: this.options.timeoutMs ?? 60_000, httpsAgent: this.options.httpsAgent, maxBytes: this.maxAnswerBytes });
  }

  private async viaAxios<T = unknown>(
    method: Method,
    url: string,
    config: { data?: unknown; headers?: Record<string, string>; responseType?: 'stream' | 'json'; signal?: AbortSignal },
  ): Promise<PeerAnswer<T>> {
    try {
      const res = await this.http.request<T>({ method, url, ...config });
      return { status: res.status, headers: res.headers as PeerAnswer['headers'], data: res.data };
    } catch (error) {
      throw axios.isAxiosError(error) ? peerErrorFromAxios(error, { method, url: `${this.peer.url}${url}` }, this.maxAnswerBytes) : error;
    }
  }
}
