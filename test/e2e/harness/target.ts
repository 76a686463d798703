/**
 * E2E_TARGET: `process` (default: node processes on this machine, no Docker) or `compose` (the two
 * containerized nodes of docker/compose.yml, which needs a Docker engine).
 */
export async function assertTargetAvailable(): Promise<void> {
  const target = process.env.E2E_TARGET ?? 'process';
  if (target === 'process') return;
  if (target !== 'compose') throw new Error(`E2E_TARGET must be "process" or "compose", not "${target}"`);
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
  } catch (error) {
    throw new Error(`E2E_TARGET=compose needs a Docker engine and none answered (${(error as Error).message}); run without E2E_TARGET for the process mode`, { cause: error });
  }
  // Docker is there, but the compose target (nodes from docker/compose.yml, proxy reachable from the
  // containers, kill -9 via the engine) is not built yet: fail loudly rather than test the wrong thing.
  throw new Error('E2E_TARGET=compose: the compose target is not implemented yet (see docs/testing.md)');
}
