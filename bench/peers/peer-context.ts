import { Client } from 'pg';
import { SyncCatalog } from '../../src/core/sync-kernel/sync-catalog';
import { BenchServer } from '../pg';
import { CaseResult } from '../report';

/** What a peer case works on: the same generated rows, in the source database of the run's server. */
export interface PeerContext {
  size: string;
  rows: number;
  tableBytes: number;
  catalog: SyncCatalog;
  server: BenchServer;
  /** The source database (name, URL and an open connection), as the node cases left it. */
  sourceDatabase: string;
  sourceUrl: string;
  sourceDb: Client;
  /** The source node's id (its local registry row is what research_node_id references). */
  sourceNodeId: string;
  reps: number;
  log: (line: string) => void;
}

/** A peer's results, or the one line that says why it did not run (and where it ran, if elsewhere). */
export interface PeerOutcome {
  results: CaseResult[];
  note?: string;
}

/** Per synced table: row count and an order-independent hash of the rows' text (equal = same content). */
export async function tableDigests(client: Client, catalog: SyncCatalog, extra: string[] = []): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  for (const table of [...catalog.tables().map((t) => t.table), ...extra]) {
    const { rows } = await client.query(`SELECT count(*)::text AS n, coalesce(sum(hashtext(t::text)::bigint), 0)::text AS h FROM "${table}" t`);
    digests.set(table, `${rows[0].n}:${rows[0].h}`);
  }
  return digests;
}

/** Throws naming the first table whose content differs. */
export function expectSameDigests(source: Map<string, string>, target: Map<string, string>, what: string): void {
  for (const [table, digest] of source) {
    if (target.get(table) !== digest) throw new Error(`${what}: ${table} differs (source ${digest}, target ${target.get(table) ?? 'missing'})`);
  }
}
