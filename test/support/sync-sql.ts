import type { TestNode } from './test-node';

/** A node's database as the node writes it (an in-process TestNode, or an e2e node's SourceData). */
type NodeDatabase = Pick<TestNode, 'dataSource'>;

/** Runs statements on a node's database in sync-apply mode, where the triggers keep given updated_at. */
export async function withForcedTimestamps(node: TestNode, statements: [string, unknown[]?][]): Promise<void> {
  await node.dataSource.transaction(async (m) => {
    await m.query(`SET LOCAL prism.sync_apply = 'on'`);
    for (const [sql, params] of statements) await m.query(sql, params ?? []);
  });
}

export async function laterality(node: NodeDatabase, code: string, name = code): Promise<void> {
  await node.dataSource.query(`INSERT INTO snomed_laterality (code, display_name, description, is_active) VALUES ($1, $2, 'd', true)`, [code, name]);
}

export async function lateralityRow(node: NodeDatabase, code: string): Promise<{ name: string; updated: string } | undefined> {
  const rows: { name: string; updated: string }[] = await node.dataSource.query(
    `SELECT display_name AS name, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated FROM snomed_laterality WHERE code = $1`,
    [code],
  );
  return rows[0];
}
