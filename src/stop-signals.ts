/**
 * How a node process answers SIGINT and SIGTERM: the first stops it in order (`close`, then exit 0,
 * or 1 if closing failed); another one leaves at once (130 or 143) - a running job is then marked
 * failed at the next start, as after a crash.
 *
 * One Ctrl-C on `npm start` arrives twice: the terminal sends SIGINT to the whole foreground
 * process group, and npm passes the one it got to its script, which is this process (`exec node`).
 * The same signal again within ECHO_MS of the first is that echo, not an operator asking to leave.
 */
export const ECHO_MS = 1500;

export interface StopSignalsDeps {
  /** Stops the node in order; undefined while it is still starting (nothing runs yet). */
  node: () => { close(): Promise<void> } | undefined;
  exit: (code: number) => void;
  log: (level: 'log' | 'warn' | 'debug', message: string) => void;
  now?: () => number;
}

export function stopOnSignals(deps: StopSignalsDeps): (signal: 'SIGINT' | 'SIGTERM') => void {
  const now = deps.now ?? Date.now;
  let first: { signal: string; at: number } | undefined;
  return (signal) => {
    if (first) {
      if (signal === first.signal && now() - first.at < ECHO_MS) {
        deps.log('debug', `${signal} received again within ${ECHO_MS} ms: the same stop (a terminal's Ctrl-C also reaches npm, which passes it on)`);
        return;
      }
      deps.log('warn', `${signal} received again: leaving without waiting`);
      deps.exit(signal === 'SIGINT' ? 130 : 143);
      return;
    }
    first = { signal, at: now() };
    deps.log('log', `${signal} received, stopping node (again to leave at once)`);
    const node = deps.node();
    if (!node) {
      deps.exit(signal === 'SIGINT' ? 130 : 143);
      return;
    }
    node.close().then(
      () => deps.exit(0),
      (error: unknown) => {
        console.error(error);
        deps.exit(1);
      },
    );
  };
}
