import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { CHALLENGE_BYTES, CHALLENGE_TTL_SECONDS } from '../protocol';
import { TrustStateStore } from '../state/trust-state.store';

export interface Challenge {
  challengeData: string;
  challengeTimestamp: string;
  expiresAt: string;
}

/** One-time challenges keyed "channelId:nodeId" (reference ChallengeService), shared via the state store. */
@Injectable()
export class ChallengeStore {
  constructor(private readonly state: TrustStateStore) {}

  private key = (channelId: string, nodeId: string) => `challenge:${channelId}:${nodeId}`;

  async issue(channelId: string, nodeId: string): Promise<Challenge> {
    const now = Date.now();
    const challenge: Challenge = {
      challengeData: randomBytes(CHALLENGE_BYTES).toString('base64'),
      challengeTimestamp: new Date(now).toISOString(),
      expiresAt: new Date(now + CHALLENGE_TTL_SECONDS * 1000).toISOString(),
    };
    await this.state.setJson(this.key(channelId, nodeId), challenge, CHALLENGE_TTL_SECONDS * 1000);
    return challenge;
  }

  /** Removes and returns the live challenge (any use consumes it, so a challenge never verifies twice). */
  async consume(channelId: string, nodeId: string): Promise<Challenge | undefined> {
    const challenge = await this.state.take<Challenge>(this.key(channelId, nodeId));
    if (!challenge || Date.parse(challenge.expiresAt) <= Date.now()) return undefined;
    return challenge;
  }
}
