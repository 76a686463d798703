import type { Request } from 'express';
import { ErrorBodyEncoder } from '../../core/errors/all-exceptions.filter';
import { encryptJson } from '../crypto/channel-crypto';
import { NodeTrustRequest } from './channel-request';

/**
 * Error bodies of channel routes (prism-reference.md §2.0): errors raised before the handler
 * (missing/unknown channel, undecryptable body, bad identify signature, session, capability and
 * rate-limit checks) are plaintext, as the reference's filters answer them; errors raised by the
 * handler are encrypted with the channel key and keep their status.
 */
export const channelErrorEncoder: ErrorBodyEncoder = (req: Request, error, body) => {
  const state = (req as NodeTrustRequest).prismChannel;
  if (!state?.handlerStarted || error.plaintext) return body;
  return encryptJson(state.key, body);
};
