import { PrismApiError } from '../../../client/src/index.js';
import { explain } from '../../../src/cli/failure';

describe('CLI failures explained (src/cli/failure.ts)', () => {
  it('a peer the node cannot reach is not "the node failed": the hint points at the peer and its URL', () => {
    const unreachable = new PrismApiError(502, 'ERR_PEER_UNREACHABLE', 'cannot read the identity of http://127.0.0.1:3999: connect ECONNREFUSED 127.0.0.1:3999', {});
    const explained = explain(unreachable);
    expect(explained).toMatchObject({ code: 'ERR_PEER_UNREACHABLE', status: 502, exit: 1 });
    expect(explained.hint).toMatch(/^check that the peer runs and that this node reaches it at that URL/);
    expect(explained.hint).not.toMatch(/the node failed/);
  });

  it('a failure of the node itself still sends the operator to its log', () => {
    expect(explain(new PrismApiError(500, 'ERR_INTERNAL', 'internal error', {})).hint).toBe("the node failed: its log has the details (search for this request's X-Request-Id)");
    expect(explain(new PrismApiError(502, 'ERR_PEER_IDENTITY_MISMATCH', 'the peer is not who it was', {})).hint).toBe("the node failed: its log has the details (search for this request's X-Request-Id)");
    expect(explain(new PrismApiError(502, 'ERR_SYNC_FAILED', 'the sync failed', {})).hint).toBe("the node failed: its log has the details (search for this request's X-Request-Id)");
  });

  it('a peer given by its name or protocol id is answered with where its id is', () => {
    const explained = explain(new PrismApiError(400, 'ERR_VALIDATION', 'invalid input: remoteNodeId (remoteNodeId must be a UUID)', {}));
    expect(explained).toMatchObject({ code: 'ERR_VALIDATION', exit: 1, hint: 'give the peer by its id: the id column of `prism-node peer:list` (a UUID)' });
    expect(explain(new PrismApiError(400, 'ERR_VALIDATION', 'invalid input: intervalSeconds', {})).hint).toBeUndefined();
  });
});
