import { PeerError } from '../../src/core/errors/peer-error';

/** The PeerError a client call must fail with (anything else, or success, fails the test). */
export async function peerRejection(promise: Promise<unknown>): Promise<PeerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PeerError)) throw new Error(`expected a PeerError, got ${String(error)}`);
  return error;
}
