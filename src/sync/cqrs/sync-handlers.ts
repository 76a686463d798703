import { Injectable } from '@nestjs/common';
import { ExportEngine } from '../export/export-engine';
import { ImportEngine } from '../import/import-engine';
import { TableResult } from '../import/import.types';
import { RawJson } from '../shared/raw-json';
import { ExportFeedQuery, ImportAggregateCommand } from './sync-messages';

/** Shared body of every export query handler: the one export engine serves the page. */
@Injectable()
export abstract class ExportFeedHandler {
  constructor(private readonly engine: ExportEngine) {}

  execute(query: ExportFeedQuery): Promise<RawJson> {
    return query.request.window ? this.engine.windowPage(query.route, query.request) : this.engine.referencePage(query.route, query.request);
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
