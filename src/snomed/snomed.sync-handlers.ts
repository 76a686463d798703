import { CommandHandler, QueryHandler } from '@nestjs/cqrs';
import { ExportFeedHandler, ImportAggregateHandler } from '../sync/cqrs/sync-handlers';
import { ExportFeedQuery, ImportAggregateCommand } from '../sync/cqrs/sync-messages';

/** The snomed aggregate on the buses; executed by the shared sync engines. */
export class ExportSnomedQuery extends ExportFeedQuery {}
export class ImportSnomedCommand extends ImportAggregateCommand {}

@QueryHandler(ExportSnomedQuery)
export class ExportSnomedHandler extends ExportFeedHandler {}

@CommandHandler(ImportSnomedCommand)
export class ImportSnomedHandler extends ImportAggregateHandler {}

export const SNOMED_SYNC_HANDLERS = [ExportSnomedHandler, ImportSnomedHandler];
