import { Injectable, Type } from '@nestjs/common';
import { CommandHandler, QueryHandler } from '@nestjs/cqrs';
import { AggregateSpec } from '../../core/sync-kernel/aggregate-spec';
import { ExportEngine } from '../export/export-engine';
import { ImportEngine } from '../import/import-engine';
import { ApplyContext, TableResult } from '../import/import.types';
import { ExportPage, PageRequest } from '../export/export.types';
import { ExportFeedQuery, ImportAggregateCommand } from './sync-messages';
import { named, pascalCase } from '../../core/naming';

/** Shared body of every export query handler: the one export engine serves the page. */
@Injectable()
export abstract class ExportFeedHandler {
  constructor(private readonly engine: ExportEngine) {}

  execute(query: ExportFeedQuery): Promise<ExportPage> {
    const { route, request } = query;
    if (!request.window) return this.engine.referencePage(route, request);
    return request.format === 'copy' ? this.engine.windowStreamedPage(route, request) : this.engine.windowPage(route, request);
  }
}

/** Shared body of every import command handler: the one import engine applies the tables. */
@Injectable()
export abstract class ImportAggregateHandler {
  constructor(private readonly engine: ImportEngine) {}

  execute(command: ImportAggregateCommand): Promise<TableResult[]> {
    return this.engine.applyTables(command.context, command.tables);
  }
}

/** One aggregate on the buses: its own query and command classes and the handlers registered for them. */
export interface AggregateHandlers {
  aggregate: string;
  ExportQuery: new (route: string, request: PageRequest) => ExportFeedQuery;
  ImportCommand: new (tables: string[], context: ApplyContext) => ImportAggregateCommand;
  handlers: Type<unknown>[];
}

/**
 * The small factory every aggregate's export query handler and import command handler come from
 * (as crudControllerFor builds the CRUD controllers): per aggregate, a query and a command class
 * of its own, so the buses route per aggregate, executed by the one export and import engines.
 * The classes are named after the aggregate (ExportVolunteersQuery, ImportVolunteersHandler, …).
 */
export function syncHandlersFor(spec: AggregateSpec): AggregateHandlers {
  const name = pascalCase(spec.name);
  class ExportQuery extends ExportFeedQuery {}
  class ImportCommand extends ImportAggregateCommand {}
  named(ExportQuery, `Export${name}Query`);
  named(ImportCommand, `Import${name}Command`);

  @QueryHandler(ExportQuery)
  class ExportHandler extends ExportFeedHandler {}
  @CommandHandler(ImportCommand)
  class ImportHandler extends ImportAggregateHandler {}
  named(ExportHandler, `Export${name}Handler`);
  named(ImportHandler, `Import${name}Handler`);

  return { aggregate: spec.name, ExportQuery, ImportCommand, handlers: [ExportHandler, ImportHandler] };
}
