import { PeerError } from '../../core/errors/peer-error';
import { AppError } from '../../core/errors/app-error';
import type { PeerConnector } from '../pull/peer.port';
import type { PeerDirectory } from '../pull/peer-directory';
import { PushRequests } from './push-requests';

/** The requester's reading of a peer's answer to a push request, with a fake peer. */
describe('PushRequests.ask', () => {
  const peer = { registryId: 'p', url: 'http://peer', name: 'Peer', certificate: '' };
  const requests = (failure: PeerError) =>
    new PushRequests(
      { resolveForCall: async () => peer } as unknown as PeerDirectory,
      { connect: async () => ({ invoke: async () => Promise.reject(failure) }) } as unknown as PeerConnector,
      {} as never,
      {} as never,
    );
  const refusal = (failure: PeerError) => requests(failure).ask('p').then(() => undefined, (error: AppError) => [error.status, error.code]);

  it('a peer without the route (404, e.g. a reference node) "cannot be asked to pull"', async () => {
    expect(await refusal(new PeerError(404, 'ERR_NOT_FOUND', 'Cannot POST', false))).toEqual([409, 'ERR_PUSH_UNSUPPORTED']);
  });

  it("passes on the peer's refusal with its code", async () => {
    expect(await refusal(new PeerError(403, 'ERR_PUSH_NOT_ALLOWED', 'no', false))).toEqual([403, 'ERR_PUSH_NOT_ALLOWED']);
    expect(await refusal(new PeerError(409, 'ERR_SYNC_IN_PROGRESS', 'busy', false))).toEqual([409, 'ERR_SYNC_IN_PROGRESS']);
  });

  it('an unreachable peer is a 502 with its code', async () => {
    expect(await refusal(new PeerError(0, 'ERR_PEER_UNREACHABLE', 'ECONNREFUSED', true))).toEqual([502, 'ERR_PEER_UNREACHABLE']);
  });
});
