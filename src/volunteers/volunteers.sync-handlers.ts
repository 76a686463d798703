import { CommandHandler, QueryHandler } from '@nestjs/cqrs';
import { ExportFeedHandler, ImportAggregateHandler } from '../sync/cqrs/sync-handlers';
import { ExportFeedQuery, ImportAggregateCommand } from '../sync/cqrs/sync-messages';

/** The volunteers aggregate on the buses; executed by the shared sync engines. */
export class ExportVolunteersQuery extends ExportFeedQuery {}
export class ImportVolunteersCommand extends ImportAggregateCommand {}

@QueryHandler(ExportVolunteersQuery)
export class ExportVolunteersHandler extends ExportFeedHandler {}

@CommandHandler(ImportVolunteersCommand)
export class ImportVolunteersHandler extends ImportAggregateHandler {}

export const VOLUNTEERS_SYNC_HANDLERS = [ExportVolunteersHandler, ImportVolunteersHandler];
