import type { Request } from 'express';
import { AuthenticatedRequest } from '../../core/auth/access';
import { ChannelState } from './channel.store';

/** What the channel step leaves on the request for the interceptor and the error filter. */
export interface ChannelRequestState {
  channel: ChannelState;
  key: Buffer;
  /** Set when the handler stage begins: from then on error bodies are encrypted too. */
  handlerStarted: boolean;
}

export type NodeTrustRequest = Request & AuthenticatedRequest & { prismChannel?: ChannelRequestState };
