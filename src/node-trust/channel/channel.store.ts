import { Injectable } from '@nestjs/common';
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
  /** Set by identify when the caller's certificate is in the registry. */
  identifiedNodeId?: string;
  certificateFingerprint?: string;
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
