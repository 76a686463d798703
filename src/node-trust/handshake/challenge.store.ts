import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { CHALLENGE_BYTES, CHALLENGE_TTL_SECONDS } from '../protocol';
import { TrustStateStore } from '../state/trust-state.store';

export interface Challenge {
  /** The node the challenge was issued to. */
  nodeId: string;
  challengeData: string;
  challengeTimestamp: string;
  expiresAt: string;
}

/**
 * One-time challenges (reference ChallengeService), shared via the state store. One live challenge
 * per channel (the reference keys "channelId:nodeId"; any nodeId in the body made a new entry), so
 * challenges are bounded as channels are; a new request replaces the channel's previous one.
 */
@Injectable()
export class ChallengeStore {
  constructor(private readonly state: TrustStateStore) {}

  private key = (channelId: string) => `challenge:${channelId}`;

  async issue(channelId: string, nodeId: string): Promise<Challenge> {
    const now = Date.now();
    const challenge: Challenge = {
      nodeId,
      challengeData: randomBytes(CHALLENGE_BYTES).toString('base64'),
      challengeTimestamp: new Date(now).toISOString(),
      expiresAt: new Date(now + CHALLENGE_TTL_SECONDS * 1000).toISOString(),
    };
    await this.state.setJson(this.key(channelId), challenge, CHALLENGE_TTL_SECONDS * 1000);
    return challenge;
  }

  /** Removes and returns the live challenge (any use consumes it, so a challenge never verifies twice). */
  async consume(channelId: string, nodeId: string): Promise<Challenge | undefined> {
    const challenge = await this.state.take<Challenge>(this.key(channelId));
    if (!challenge || challenge.nodeId !== nodeId || Date.parse(challenge.expiresAt) <= Date.now()) return undefined;
    return challenge;
  }
}
