import type { Request } from 'express';
import { NodeAccessLevel, UserRole } from './access';

/**
 * Verifies a user's Bearer JWT and sets `req.user`; throws an AppError (401/403) otherwise.
 * Implemented by the users module.
 */
export abstract class UserAuthenticator {
  /**
   * The id of the user whose valid token the request carries, else undefined (never throws). Rate
   * limits and body limits key on it before the access guard runs: a made-up token buys nothing.
   */
  abstract verifiedUserId(req: Request): Promise<string | undefined>;
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
  /** `grantInHandler`: the registry's grant is left to the handler (req.nodeSession.pendingGrant). */
  abstract authenticate(req: Request, capability: NodeAccessLevel, options?: { grantInHandler?: boolean }): Promise<void>;
}
