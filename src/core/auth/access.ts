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
  /** A peer node over an encrypted channel with a session of at least this capability. */
  | { kind: 'node'; capability: NodeAccessLevel }
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
export const RequireCapability = (capability: NodeAccessLevel) =>
  SetMetadata(ACCESS_RULE, { kind: 'node', capability } satisfies AccessRule);
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
}

export interface AuthenticatedRequest {
  user?: AuthenticatedUser;
  nodeSession?: AuthenticatedNodeSession;
}
