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

/**
 * What must not change when a pull fails: the verify digest and the bytes of the file store — but
 * the files a kept staging stored (a pull to be continued; not data until a pull commits them).
 */
export async function requesterState(node: E2ENode): Promise<{ digest: string; files: string }> {
  const kept = await keptFiles(node);
  return { digest: (await verifyOf(node)).digest, files: await node.proc.hashDataDir('files', (name) => [...kept].some((sha) => name.includes(sha))) };
}

export async function stagingEntries(node: E2ENode): Promise<string[]> {
  return node.proc.listDataDir('staging');
}

/** The kept staging (one per peer) a pull that failed mid-fetch left for the next pull from that peer. */
export const keptEntry = (remoteNodeId: string) => `kept-${remoteNodeId}`;

/** Files kept stagings stored. */
export async function keptFiles(node: E2ENode): Promise<Set<string>> {
  const kept = (await stagingEntries(node)).filter((e) => e.startsWith('kept-'));
  const lists = await Promise.all(
    kept.map(async (e) => ((await node.proc.listDataDir(`staging/${e}`)).includes('stored-files') ? (await node.proc.readDataFile(`staging/${e}/stored-files`)).toString('utf8') : '')),
  );
  return new Set(lists.flatMap((l) => l.split('\n').filter(Boolean)));
}

export interface SyncLogEntry {
  id: string;
  status: string;
  errorCode: string | null;
  errorMessage: string | null;
  /** What the pull took over from a kept staging (null: fetched from the start). */
  resumed: { fromJobId: string; pages: number; rows: number; pageBytes: number; files: number; fileBytes: number } | null;
}

export async function latestLog(node: E2ENode, remoteNodeId: string): Promise<SyncLogEntry> {
  const res = await call(node.url, 'GET', `/api/sync/log?remoteNodeId=${remoteNodeId}&page=1&pageSize=1`, { token: node.admin });
  if (res.status !== 200) throw new Error(`log failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data[0] as SyncLogEntry;
}

export async function pullFrom(node: E2ENode, remoteNodeId: string) {
  return call(node.url, 'POST', '/api/sync/pull', { token: node.admin, body: { remoteNodeId } });
}
