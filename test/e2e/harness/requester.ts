import { call } from './http';
import type { E2ENode } from './process-cluster';

export interface VerifyBody {
  digest: string;
  aggregates: Record<string, { rows: number; digest: string }>;
  files: { referenced: number; missing: string[]; digest: string };
}

export async function verifyOf(node: E2ENode): Promise<VerifyBody> {
  const res = await call<VerifyBody>(node.url, 'GET', '/api/sync/verify', { token: node.admin });
  if (res.status !== 200) throw new Error(`verify at ${node.url} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** What must not change when a pull fails: the verify digest and the bytes of the file store. */
export async function requesterState(node: E2ENode): Promise<{ digest: string; files: string }> {
  return { digest: (await verifyOf(node)).digest, files: await node.proc.hashDataDir('files') };
}

export async function stagingEntries(node: E2ENode): Promise<string[]> {
  return node.proc.listDataDir('staging');
}

export interface SyncLogEntry {
  id: string;
  status: string;
  errorCode: string | null;
  errorMessage: string | null;
}

export async function latestLog(node: E2ENode, remoteNodeId: string): Promise<SyncLogEntry> {
  const res = await call(node.url, 'GET', `/api/sync/log?remoteNodeId=${remoteNodeId}&page=1&pageSize=1`, { token: node.admin });
  if (res.status !== 200) throw new Error(`log failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data[0] as SyncLogEntry;
}

export async function pullFrom(node: E2ENode, remoteNodeId: string) {
  return call(node.url, 'POST', '/api/sync/pull', { token: node.admin, body: { remoteNodeId } });
}
