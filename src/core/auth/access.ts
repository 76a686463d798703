import { SetMetadata } from '@nestjs/common';

/**
 * Every route declares who may call it; an undeclared route is refused (default-deny). The
 * declarations are listed by test/integration/foundation/route-access.int-spec.ts so a change
 * shows up in review.
 */
export enum NodeAccessLevel {
  ReadOnly = 0,
  ReadWrite = 1,
  Admin = 2,
}

export enum UserRole {
  Admin = 'Admin',
  Researcher = 'Researcher',
}

export type AccessRule =
  | { kind: 'public' }
  /**
   * A logged-in user (Bearer JWT); with roles, one of them. Over an encrypted channel (the IRIS
   * desktop sends X-Channel-Id) the node session is verified too: a channel caller needs both.
   */
  | { kind: 'user'; roles: UserRole[] }
  /**
   * A peer node over an encrypted channel with a session of at least this capability.
   * `grantInHandler`: the registry's grant of the session (read on every request) is read by the
   * handler's first statement, not by the guard (one round trip less): the handler gets a
   * PendingGrant and settles it before anything else.
   */
  | { kind: 'node'; capability: NodeAccessLevel; grantInHandler?: boolean }
  /** Only an encrypted channel (handshake phases 2-3), no session yet. */
  | { kind: 'channel' }
  /**
   * Anyone in plain HTTP; over an encrypted channel (X-Channel-Id) a node session of at least this
   * capability (the reference's user login: the IRIS desktop signs in through channel + session).
   */
  | { kind: 'publicOrNode'; capability: NodeAccessLevel };

export const ACCESS_RULE = 'prism:access';

/**
 * The node session a user route needs when it is called over an encrypted channel (the reference's
 * `[PrismAuthenticatedSession]` default on the desktop's C+S+J routes). A node session alone never
 * reaches a user route: least privilege (docs/security.md).
 */
export const CHANNEL_USER_SESSION_CAPABILITY = NodeAccessLevel.ReadOnly;

export const Public = () => SetMetadata(ACCESS_RULE, { kind: 'public' } satisfies AccessRule);
export const RequireUser = (...roles: UserRole[]) => SetMetadata(ACCESS_RULE, { kind: 'user', roles } satisfies AccessRule);
export const RequireCapability = (capability: NodeAccessLevel, options: { grantInHandler?: boolean } = {}) =>
  SetMetadata(ACCESS_RULE, (options.grantInHandler ? { kind: 'node', capability, grantInHandler: true } : { kind: 'node', capability }) satisfies AccessRule);
export const PublicOrCapability = (capability: NodeAccessLevel) =>
  SetMetadata(ACCESS_RULE, { kind: 'publicOrNode', capability } satisfies AccessRule);
export const RequireChannel = () => SetMetadata(ACCESS_RULE, { kind: 'channel' } satisfies AccessRule);

/** What a verified caller looks like on the request object. */
export interface AuthenticatedUser {
  id: string;
  login: string;
  role: UserRole;
  /** The user's researcher profile, when linked (reference `recordedBy` of clinical rows). */
  researcherId?: string | null;
}

export interface AuthenticatedNodeSession {
  token: string;
  /** Registry id (research_nodes.id) of the calling node. */
  nodeId: string;
  channelId: string;
  accessLevel: NodeAccessLevel;
  /**
   * Set on a `grantInHandler` route: the session is valid and bound to its channel, but the
   * registry's grant is not read yet — the handler reads it in its first statement and settles it
   * before it does or answers anything (`accessLevel` is the session's until then).
   */
  pendingGrant?: PendingGrant;
}

/** The registry's grant of a node session, to be read by the handler (see AuthenticatedNodeSession.pendingGrant). */
export interface PendingGrant {
  /** The registry id whose grant to read. */
  readonly nodeId: string;
  readonly settled: boolean;
  /** An SQL expression of the grant (json, NULL when there is no row), the registry id being `idParam` (a uuid parameter). */
  sql(idParam: string): string;
  /**
   * Admits the request with the grant the handler read (`grantJsonSql`'s value: null when there
   * is no row), or refuses it (401, the session revoked; 403) as the guard would have.
   */
  settle(grant: unknown): Promise<void>;
  /** Reads the grant and settles (a path of the handler without a statement of its own to carry it). */
  read(): Promise<void>;
}

export interface AuthenticatedRequest {
  user?: AuthenticatedUser;
  nodeSession?: AuthenticatedNodeSession;
}
