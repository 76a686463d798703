import { Command, Query } from '@nestjs/cqrs';
import { ApplyContext, TableResult } from '../import/import.types';
import { ExportPage, PageRequest } from '../export/export.types';

/**
 * Base messages of the per-aggregate export queries and import commands. Each aggregate module
 * declares its own subclasses (ExportVolunteersQuery, ImportVolunteersCommand, …) so the buses
 * route per aggregate, while one engine executes them all.
 */
export class ExportFeedQuery extends Query<ExportPage> {
  constructor(
    readonly route: string,
    readonly request: PageRequest,
  ) {
    super();
  }
}

export class ImportAggregateCommand extends Command<TableResult[]> {
  constructor(
    /** Tables of this aggregate to apply now, in dependency order. */
    readonly tables: string[],
    readonly context: ApplyContext,
  ) {
    super();
  }
}
