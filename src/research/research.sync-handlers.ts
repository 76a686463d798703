import { CommandHandler, QueryHandler } from '@nestjs/cqrs';
import { ExportFeedHandler, ImportAggregateHandler } from '../sync/cqrs/sync-handlers';
import { ExportFeedQuery, ImportAggregateCommand } from '../sync/cqrs/sync-messages';

/** The researchers, devices and research aggregates on the buses; executed by the shared sync engines. */
export class ExportResearchersQuery extends ExportFeedQuery {}
export class ImportResearchersCommand extends ImportAggregateCommand {}
export class ExportDevicesQuery extends ExportFeedQuery {}
export class ImportDevicesCommand extends ImportAggregateCommand {}
export class ExportResearchQuery extends ExportFeedQuery {}
export class ImportResearchCommand extends ImportAggregateCommand {}

@QueryHandler(ExportResearchersQuery)
export class ExportResearchersHandler extends ExportFeedHandler {}
@CommandHandler(ImportResearchersCommand)
export class ImportResearchersHandler extends ImportAggregateHandler {}
@QueryHandler(ExportDevicesQuery)
export class ExportDevicesHandler extends ExportFeedHandler {}
@CommandHandler(ImportDevicesCommand)
export class ImportDevicesHandler extends ImportAggregateHandler {}
@QueryHandler(ExportResearchQuery)
export class ExportResearchHandler extends ExportFeedHandler {}
@CommandHandler(ImportResearchCommand)
export class ImportResearchHandler extends ImportAggregateHandler {}

export const RESEARCH_SYNC_HANDLERS = [
  ExportResearchersHandler,
  ImportResearchersHandler,
  ExportDevicesHandler,
  ImportDevicesHandler,
  ExportResearchHandler,
  ImportResearchHandler,
];
