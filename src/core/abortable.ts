/**
 * `work`, or a rejection as soon as `signal` aborts: for a step that cannot be interrupted itself
 * (a handshake's calls, a JSON call to a peer that stopped answering), so that a cancelled job or a
 * stopping node does not wait for the peer's timeout. What `work` yields after the abort goes to
 * `discard` (a connection to close); its failure is dropped.
 */
export function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, discard?: (late: T) => unknown): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.then((late) => discard?.(late), () => undefined);
      reject(new Error(`cancelled: ${typeof signal.reason === 'string' ? signal.reason : 'aborted'}`));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (!signal.aborted) resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
