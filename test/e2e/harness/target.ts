import { startComposeNode, startComposePair } from './compose-cluster';
import { E2E_NODE_ENV, E2ENode, ProcessPair, startNodeProcess, startProcessPair } from './process-cluster';

type Target = 'process' | 'compose';

/**
 * E2E_TARGET: `process` (default: node processes on this machine, no Docker) or `compose` (the two
 * containerized nodes of docker/compose.yml, which needs a Docker engine).
 */
export async function assertTargetAvailable(): Promise<Target> {
  const target = process.env.E2E_TARGET ?? 'process';
  if (target === 'process') return target;
  if (target !== 'compose') throw new Error(`E2E_TARGET must be "process" or "compose", not "${target}"`);
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
  } catch (error) {
    throw new Error(`E2E_TARGET=compose needs a Docker engine and none answered (${(error as Error).message}); run without E2E_TARGET for the process mode`, { cause: error });
  }
  return target;
}

/** The one place the target is chosen: A (requester) and B (source), with the fault proxy between them. */
export async function startPair(envA: Record<string, string> = {}, envB: Record<string, string> = {}): Promise<ProcessPair> {
  if ((await assertTargetAvailable()) === 'process') return startProcessPair(envA, envB);
  return startComposePair(envA, envB);
}

/** One node with the suite's settings (`nodeId` names the process node; compose runs its node-a). */
export async function startNode(nodeId: string, nodeName: string, env: Record<string, string> = {}): Promise<E2ENode> {
  if ((await assertTargetAvailable()) === 'process') return startNodeProcess(nodeId, nodeName, { ...E2E_NODE_ENV, ...env });
  return startComposeNode(nodeName, { ...E2E_NODE_ENV, ...env });
}
