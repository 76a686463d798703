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
  /** A logged-in user (Bearer JWT); with roles, one of them. */
  | { kind: 'user'; roles: UserRole[] }
  /** A peer node over an encrypted channel with a session of at least this capability. */
  | { kind: 'node'; capability: NodeAccessLevel }
  /** Either of the two (operator routes the reference also serves to channel+session callers). */
  | { kind: 'userOrNode'; roles: UserRole[]; capability: NodeAccessLevel }
  /** Only an encrypted channel (handshake phases 2-3), no session yet. */
  | { kind: 'channel' }
  /**
   * Anyone in plain HTTP; over an encrypted channel (X-Channel-Id) a node session of at least this
   * capability (the reference's user login: the IRIS desktop signs in through channel + session).
   */
  | { kind: 'publicOrNode'; capability: NodeAccessLevel };

export const ACCESS_RULE = 'prism:access';

export const Public = () => SetMetadata(ACCESS_RULE, { kind: 'public' } satisfies AccessRule);
export const RequireUser = (...roles: UserRole[]) => SetMetadata(ACCESS_RULE, { kind: 'user', roles } satisfies AccessRule);
export const RequireCapability = (capability: NodeAccessLevel) =>
  SetMetadata(ACCESS_RULE, { kind: 'node', capability } satisfies AccessRule);
export const RequireUserOrCapability = (capability: NodeAccessLevel, ...roles: UserRole[]) =>
  SetMetadata(ACCESS_RULE, { kind: 'userOrNode', roles, capability } satisfies AccessRule);
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
