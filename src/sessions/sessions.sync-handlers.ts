import { CommandHandler, QueryHandler } from '@nestjs/cqrs';
import { ExportFeedHandler, ImportAggregateHandler } from '../sync/cqrs/sync-handlers';
import { ExportFeedQuery, ImportAggregateCommand } from '../sync/cqrs/sync-messages';

/** The sessions aggregate on the buses; executed by the shared sync engines. */
export class ExportSessionsQuery extends ExportFeedQuery {}
export class ImportSessionsCommand extends ImportAggregateCommand {}

@QueryHandler(ExportSessionsQuery)
export class ExportSessionsHandler extends ExportFeedHandler {}

@CommandHandler(ImportSessionsCommand)
export class ImportSessionsHandler extends ImportAggregateHandler {}

export const SESSIONS_SYNC_HANDLERS = [ExportSessionsHandler, ImportSessionsHandler];
