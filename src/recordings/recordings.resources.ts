import { ResourceDefinition } from '../crud/resource-definition';

/** File columns of a record channel are written only by the file routes (recording-files.controller.ts). */
const CHANNEL_FILE_COLUMNS = ['fileUrl', 'fileSha256', 'fileSizeBytes', 'fileContentType'];

/** CRUD resources of this module (Records of a session and their channels); see ResourceDefinition for the path rules. */
export const RECORDINGS_RESOURCES: ResourceDefinition[] = [
  { name: 'session-records', table: 'record', path: 'sessions/:recordSessionId/records/:id', tag: 'sessions' },
  {
    name: 'record-channels',
    table: 'record_channel',
    path: 'records/:recordId/channels/:id',
    tag: 'sessions',
    readOnly: CHANNEL_FILE_COLUMNS,
  },
];
