import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { ErrorCode } from '../../core/errors/error-codes';
import {
  curveOf,
  deriveChannelKey,
  ecdhSecret,
  generateEphemeralKey,
  importEphemeralPublicKey,
} from '../crypto/channel-crypto';
import { parseTimestamp } from '../crypto/timestamp';
import {
  CHANNEL_TTL_MS,
  detailError,
  MAX_CLOCK_SKEW_MS,
  MIN_NONCE_BYTES,
  PROTOCOL_VERSION,
  SERVER_NONCE_BYTES,
  SUPPORTED_CIPHERS,
} from '../protocol';
import { Fields } from '../../core/http/fields';
import { LocalIdentity } from '../identity/local-identity';
import { transcriptText } from '../crypto/transcript';
import { AppConfig } from '../../config';
import { ExpiringSlots } from '../../core/limits/expiring-slots';
import { ChannelState, ChannelStore, transcriptOf } from './channel.store';

/** Reference `ChannelReadyResponse`. */
export interface ChannelReadyResponse {
  protocolVersion: string;
  ephemeralPublicKey: string;
  keyExchangeAlgorithm: string;
  selectedCipher: string;
  timestamp: string;
  nonce: string;
  /** Additive: this node's signature of the channel transcript (crypto/transcript.ts). */
  transcriptSignature: string;
}

const fail = (code: ErrorCode, message: string, options: { retryable?: boolean; details?: Record<string, unknown> } = {}) =>
  detailError(400, code, message, { ...options, plaintext: true });

const isBase64 = (value: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0;

/**
 * Phase 1: ECDH on the client's curve, HKDF channel key, 30-minute channel. Anyone may open one,
 * so live channels are bounded per client IP and in total (CHANNELS_PER_IP, CHANNELS_TOTAL): a
 * flood of opens cannot grow the state this node holds.
 */
@Injectable()
export class ChannelService {
  private readonly live: ExpiringSlots;

  constructor(
    private readonly channels: ChannelStore,
    private readonly identity: LocalIdentity,
    config: AppConfig,
  ) {
    this.live = new ExpiringSlots({ perKey: config.throttle.channelsPerIp, total: config.throttle.channelsTotal, ttlMs: CHANNEL_TTL_MS });
  }

  async open(body: unknown, clientIp = 'unknown'): Promise<{ channelId: string; response: ChannelReadyResponse }> {
    const f = new Fields(body);
    const version = f.str('protocolVersion');
    if (version !== PROTOCOL_VERSION) {
      throw fail('ERR_INCOMPATIBLE_VERSION', `Protocol version ${version || '(none)'} is not supported; use ${PROTOCOL_VERSION}`);
    }
    const algorithm = f.str('keyExchangeAlgorithm');
    const curve = curveOf(algorithm);
    if (!curve) throw fail('ERR_CHANNEL_FAILED', `Unsupported key exchange algorithm "${algorithm}" (ECDH-P256, ECDH-P384, ECDH-P521)`);
    const ciphers = f.raw('supportedCiphers');
    const selectedCipher = Array.isArray(ciphers) ? ciphers.find((c) => typeof c === 'string' && SUPPORTED_CIPHERS.includes(c)) : undefined;
    if (!selectedCipher) throw fail('ERR_CHANNEL_FAILED', `No supported cipher; this node supports ${SUPPORTED_CIPHERS.join(', ')}`);
    const clientTime = parseTimestamp(f.raw('timestamp'));
    const now = Date.now();
    if (Number.isNaN(clientTime) || Math.abs(now - clientTime) > MAX_CLOCK_SKEW_MS) {
      throw fail('ERR_INVALID_TIMESTAMP', 'Timestamp is missing or outside the allowed clock skew', {
        details: { clientTimestamp: f.raw('timestamp') ?? null, serverTimestamp: new Date(now).toISOString(), maxSkewMinutes: MAX_CLOCK_SKEW_MS / 60_000 },
      });
    }
    const nonceText = f.str('nonce');
    const clientNonce = Buffer.from(nonceText, 'base64');
    if (!isBase64(nonceText) || clientNonce.length < MIN_NONCE_BYTES) {
      throw fail('ERR_INVALID_NONCE', `Nonce must be base64 of at least ${MIN_NONCE_BYTES} bytes`);
    }
    let clientKey;
    const clientKeyText = f.str('ephemeralPublicKey');
    try {
      clientKey = importEphemeralPublicKey(clientKeyText, curve.nodeCurve);
    } catch (error) {
      throw fail('ERR_INVALID_EPHEMERAL_KEY', `Invalid ephemeral public key: ${(error as Error).message}`, { retryable: true });
    }
    const refused = this.live.tryAcquire(clientIp);
    if (refused === 'key') {
      throw detailError(429, 'ERR_RATE_LIMIT_EXCEEDED', 'Too many open channels from this address; reuse one or wait until they expire', { retryable: true, plaintext: true });
    }
    if (refused === 'total') throw detailError(503, 'ERR_NODE_BUSY', 'This node holds its maximum of open channels; retry later', { retryable: true, plaintext: true });
    const own = generateEphemeralKey(curve.nodeCurve);
    const serverNonce = randomBytes(SERVER_NONCE_BYTES);
    const key = deriveChannelKey(ecdhSecret(own.privateKey, clientKey), clientNonce, serverNonce);
    const channel: ChannelState = {
      channelId: randomUUID(),
      key: key.toString('base64'),
      selectedCipher,
      clientNonce: clientNonce.toString('base64'),
      serverNonce: serverNonce.toString('base64'),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + CHANNEL_TTL_MS).toISOString(),
      role: 'server',
      clientEphemeralPublicKey: clientKeyText,
      serverEphemeralPublicKey: own.publicKeySpki,
    };
    await this.channels.save(channel);
    return {
      channelId: channel.channelId,
      response: {
        protocolVersion: PROTOCOL_VERSION,
        ephemeralPublicKey: own.publicKeySpki,
        keyExchangeAlgorithm: algorithm,
        selectedCipher,
        timestamp: new Date(now).toISOString(),
        nonce: serverNonce.toString('base64'),
        transcriptSignature: this.identity.sign(transcriptText(transcriptOf(channel), 'server')),
      },
    };
  }

  /** Reference `GET /api/channel/{id}` (metadata only, never the key). */
  async info(channelId: string) {
    const channel = await this.channels.get(channelId);
    if (!channel) throw detailError(404, 'ERR_CHANNEL_NOT_FOUND', 'Channel does not exist or has expired');
    return {
      channelId: channel.channelId,
      cipher: channel.selectedCipher,
      remoteNodeUrl: null,
      createdAt: channel.createdAt,
      expiresAt: channel.expiresAt,
      isExpired: false,
      role: channel.role,
    };
  }
}
