import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NodeAccessLevel } from '../../core/auth/access';
import { AppConfig } from '../../config';
import { SESSION_TTL_SECONDS } from '../protocol';
import { TrustStateStore } from '../state/trust-state.store';

/** Reference SessionData (Phase 4). */
export interface SessionData {
  sessionToken: string;
  /** Registry id (research_nodes.id) of the peer. */
  nodeId: string;
  channelId: string;
  createdAt: string;
  expiresAt: string;
  accessLevel: NodeAccessLevel;
  ipAddress?: string;
}

const COUNTER_WINDOW_MS = 24 * 3600_000;

@Injectable()
export class SessionService {
  constructor(
    private readonly state: TrustStateStore,
    private readonly config: AppConfig,
  ) {}

  private key = (token: string) => `session:${token}`;
  private counterKey = (token: string) => `session:requests:${token}`;
  private lastKey = (token: string) => `session:last:${token}`;
  private nodeKey = (nodeId: string) => `session:node:${nodeId}`;

  async create(nodeId: string, channelId: string, accessLevel: NodeAccessLevel, ipAddress?: string): Promise<SessionData> {
    const now = Date.now();
    const session: SessionData = {
      sessionToken: randomUUID(),
      nodeId,
      channelId,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + SESSION_TTL_SECONDS * 1000).toISOString(),
      accessLevel,
      ipAddress,
    };
    await this.save(session);
    await this.state.addToSet(this.nodeKey(nodeId), session.sessionToken, SESSION_TTL_SECONDS * 1000);
    return session;
  }

  private async save(session: SessionData): Promise<void> {
    await this.state.setJson(this.key(session.sessionToken), session, Date.parse(session.expiresAt) - Date.now());
  }

  /** The live session of a token, or undefined (expired sessions are removed). */
  async validate(token: string): Promise<SessionData | undefined> {
    if (!token || token.length > 100) return undefined;
    const session = await this.state.getJson<SessionData>(this.key(token));
    if (!session) return undefined;
    if (Date.parse(session.expiresAt) <= Date.now()) {
      await this.revoke(token);
      return undefined;
    }
    return session;
  }

  /** Counts a request of the session (metrics; rate limits are the throttler's). */
  async recordRequest(token: string): Promise<void> {
    await this.state.increment(this.counterKey(token), COUNTER_WINDOW_MS);
    await this.state.setJson(this.lastKey(token), new Date().toISOString(), COUNTER_WINDOW_MS);
  }

  async usage(token: string): Promise<{ requestCount: number; lastAccessedAt: string | null }> {
    const count = await this.state.getJson<number>(this.counterKey(token));
    const last = await this.state.getJson<string>(this.lastKey(token));
    return { requestCount: count ?? 0, lastAccessedAt: last ?? null };
  }

  /**
   * Extends a session by up to `additionalSeconds`, never beyond SESSION_MAX_LIFETIME_SECONDS after
   * its creation; undefined when the session is gone or already at that limit.
   */
  async renew(token: string, additionalSeconds: number): Promise<SessionData | undefined> {
    const session = await this.validate(token);
    if (!session) return undefined;
    const limit = Date.parse(session.createdAt) + this.config.trust.sessionMaxLifetimeSeconds * 1000;
    const current = Date.parse(session.expiresAt);
    if (current >= limit) return undefined;
    session.expiresAt = new Date(Math.min(current + additionalSeconds * 1000, limit)).toISOString();
    await this.save(session);
    await this.state.addToSet(this.nodeKey(session.nodeId), token, Date.parse(session.expiresAt) - Date.now());
    return session;
  }

  async revoke(token: string): Promise<boolean> {
    const session = await this.state.take<SessionData>(this.key(token));
    if (session) await this.state.removeFromSet(this.nodeKey(session.nodeId), token);
    return !!session;
  }

  /** Live sessions of a node (for metrics and revocation of a node). */
  async sessionsOf(nodeId: string): Promise<SessionData[]> {
    const tokens = await this.state.members(this.nodeKey(nodeId));
    const sessions = await Promise.all(tokens.map((t) => this.validate(t)));
    return sessions.filter((s): s is SessionData => !!s);
  }

  /** Ends every session of a node (registry revocation). */
  async revokeAllOf(nodeId: string): Promise<number> {
    const sessions = await this.sessionsOf(nodeId);
    await Promise.all(sessions.map((s) => this.revoke(s.sessionToken)));
    return sessions.length;
  }
}
