import { Injectable } from '@nestjs/common';
import { ChannelTranscript } from '../crypto/transcript';
import { TrustStateStore } from '../state/trust-state.store';

/** Server-side state of one encrypted channel (reference ChannelContext). */
export interface ChannelState {
  channelId: string;
  /** AES-256 key, base64. */
  key: string;
  selectedCipher: string;
  clientNonce: string;
  serverNonce: string;
  createdAt: string;
  expiresAt: string;
  role: 'server';
  /** Both ephemeral public keys (base64 SPKI): with the nonces and id, the transcript both ends sign. */
  clientEphemeralPublicKey: string;
  serverEphemeralPublicKey: string;
  /** Fingerprint of the certificate whose key signed this channel's client transcript (identify). */
  transcriptSignedBy?: string;
  /** Set by identify when the caller's certificate is in the registry. */
  identifiedNodeId?: string;
  certificateFingerprint?: string;
}

/** The transcript of a server-side channel. */
export function transcriptOf(channel: ChannelState): ChannelTranscript {
  return {
    channelId: channel.channelId,
    clientEphemeralPublicKey: channel.clientEphemeralPublicKey,
    serverEphemeralPublicKey: channel.serverEphemeralPublicKey,
    clientNonce: channel.clientNonce,
    serverNonce: channel.serverNonce,
  };
}

@Injectable()
export class ChannelStore {
  constructor(private readonly state: TrustStateStore) {}

  private key(channelId: string): string {
    return `channel:${channelId}`;
  }

  async save(channel: ChannelState): Promise<void> {
    const ttl = Date.parse(channel.expiresAt) - Date.now();
    if (ttl > 0) await this.state.setJson(this.key(channel.channelId), channel, ttl);
  }

  /** The channel, or undefined when unknown or expired. */
  async get(channelId: string): Promise<ChannelState | undefined> {
    if (!channelId || channelId.length > 100) return undefined;
    const channel = await this.state.getJson<ChannelState>(this.key(channelId));
    if (!channel) return undefined;
    if (Date.parse(channel.expiresAt) <= Date.now()) {
      await this.state.delete(this.key(channelId));
      return undefined;
    }
    return channel;
  }

  async remove(channelId: string): Promise<void> {
    await this.state.delete(this.key(channelId));
  }
}
