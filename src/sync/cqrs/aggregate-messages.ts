import { AggregateName } from '../../core/sync-kernel/aggregate-spec';
import {
  ExportDevicesQuery,
  ExportResearchersQuery,
  ExportResearchQuery,
  ImportDevicesCommand,
  ImportResearchCommand,
  ImportResearchersCommand,
} from '../../research/research.sync-handlers';
import { ExportSessionsQuery, ImportSessionsCommand } from '../../sessions/sessions.sync-handlers';
import { ExportSnomedQuery, ImportSnomedCommand } from '../../snomed/snomed.sync-handlers';
import { ExportVolunteersQuery, ImportVolunteersCommand } from '../../volunteers/volunteers.sync-handlers';
import { ApplyContext } from '../import/import.types';
import { PageRequest } from '../export/export.types';
import { ExportFeedQuery, ImportAggregateCommand } from './sync-messages';

type ExportQueryClass = new (route: string, request: PageRequest) => ExportFeedQuery;
type ImportCommandClass = new (tables: string[], context: ApplyContext) => ImportAggregateCommand;

/** Which bus message serves which aggregate (the only place the sync module names them all). */
export const EXPORT_QUERIES: Record<AggregateName, ExportQueryClass> = {
  snomed: ExportSnomedQuery,
  researchers: ExportResearchersQuery,
  devices: ExportDevicesQuery,
  volunteers: ExportVolunteersQuery,
  research: ExportResearchQuery,
  sessions: ExportSessionsQuery,
};

export const IMPORT_COMMANDS: Record<AggregateName, ImportCommandClass> = {
  snomed: ImportSnomedCommand,
  researchers: ImportResearchersCommand,
  devices: ImportDevicesCommand,
  volunteers: ImportVolunteersCommand,
  research: ImportResearchCommand,
  sessions: ImportSessionsCommand,
};
