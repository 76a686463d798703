import type { Request } from 'express';
import { NodeAccessLevel, UserRole } from './access';

/**
 * Verifies a user's Bearer JWT and sets `req.user`; throws an AppError (401/403) otherwise.
 * Implemented by the users module.
 */
export abstract class UserAuthenticator {
  /** True when the request carries user credentials at all (used by userOrNode routes). */
  abstract hasCredentials(req: Request): boolean;
  abstract authenticate(req: Request, roles: UserRole[]): Promise<void>;
}

/**
 * Verifies the encrypted channel (`X-Channel-Id`) and, when a capability is required, the node
 * session (`X-Session-Id`), and sets `req.nodeSession`; throws an AppError with the reference's
 * codes otherwise. Implemented by the node-trust module.
 */
export abstract class NodeSessionAuthenticator {
  abstract hasCredentials(req: Request): boolean;
  abstract authenticateChannel(req: Request): Promise<void>;
  abstract authenticate(req: Request, capability: NodeAccessLevel): Promise<void>;
}
