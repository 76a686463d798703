import { TableModel } from './table-model';

/**
 * Orders synced tables parents-first by their foreign keys (Kahn's algorithm). Ties keep the
 * input order (the specs' aggregate and window order), so the result is deterministic.
 * Self-references are ignored (rows of one table are applied in one statement with constraints
 * deferred). FKs to non-synced tables (research_nodes) are ignored too.
 *
 * A remaining cycle is broken at a nullable FK: the import defers every constraint, so a row may
 * arrive before a parent it optionally references, as long as both land in the same transaction.
 * A cycle of NOT NULL FKs cannot be ordered and is reported. (The current schema has no cycle:
 * record_session.target_area_id deliberately carries no FK, see RecordSession.)
 */
export function applyOrder(tables: readonly TableModel[]): { tables: TableModel[]; brokenEdges: string[]; problems: string[] } {
  const names = new Set(tables.map((t) => t.table));
  const position = new Map(tables.map((t, i) => [t.table, i]));
  // child → parents it still waits for, with whether that edge is optional
  const waiting = new Map<string, Map<string, boolean>>();
  for (const table of tables) {
    const parents = new Map<string, boolean>();
    for (const fk of table.foreignKeys) {
      if (fk.referencedTable === table.table || !names.has(fk.referencedTable)) continue;
      // Two FKs to one parent: the edge is optional only if every one of them is.
      parents.set(fk.referencedTable, (parents.get(fk.referencedTable) ?? true) && fk.optional);
    }
    waiting.set(table.table, parents);
  }

  const ordered: TableModel[] = [];
  const brokenEdges: string[] = [];
  const remaining = new Set(tables.map((t) => t.table));
  const byName = new Map(tables.map((t) => [t.table, t]));
  while (remaining.size > 0) {
    const ready = [...remaining].filter((t) => waiting.get(t)!.size === 0).sort((a, b) => position.get(a)! - position.get(b)!);
    if (ready.length > 0) {
      const next = ready[0];
      remaining.delete(next);
      ordered.push(byName.get(next)!);
      for (const parents of waiting.values()) parents.delete(next);
      continue;
    }
    const edge = firstOptionalEdge(remaining, waiting, position);
    if (!edge) {
      return { tables: ordered, brokenEdges, problems: [`foreign-key cycle without a nullable FK among: ${[...remaining].join(', ')}`] };
    }
    waiting.get(edge.child)!.delete(edge.parent);
    brokenEdges.push(`${edge.child} → ${edge.parent}`);
  }
  return { tables: ordered, brokenEdges, problems: [] };
}

function firstOptionalEdge(
  remaining: Set<string>,
  waiting: Map<string, Map<string, boolean>>,
  position: Map<string, number>,
): { child: string; parent: string } | undefined {
  const children = [...remaining].sort((a, b) => position.get(a)! - position.get(b)!);
  for (const child of children) {
    for (const [parent, optional] of waiting.get(child)!) {
      if (optional) return { child, parent };
    }
  }
  return undefined;
}
