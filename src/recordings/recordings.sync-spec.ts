import { ChildSpec, FileSpec } from '../core/sync-kernel/aggregate-spec';

/**
 * Records and channels travel inside the "sessions" aggregate (reference §3.7: session.records[]
 * → recordChannels[]); this module owns their part of that spec, sessions.sync-spec.ts composes it.
 */
export const RECORDINGS_TABLES = ['record', 'record_channel'];

export const RECORDS_CHILD: ChildSpec = {
  table: 'record',
  property: 'records',
  parentColumns: ['record_session_id'],
  children: [{ table: 'record_channel', property: 'recordChannels', parentColumns: ['record_id'] }],
};

/**
 * A record channel's samples live in a file, content-addressed by SHA-256. Peers receive the rows,
 * then the files at /api/sync/recordings/{recordChannelId}/file|stream; file_url says where THIS
 * node keeps the file (node-local, rewritten on import). RecordingFileIndex holds every SQL
 * statement on these columns.
 */
export const RECORDING_FILES: FileSpec = {
  name: 'recordings',
  table: 'record_channel',
  route: 'recordings',
  param: 'recordChannelId',
  columns: { hash: 'file_sha256', size: 'file_size_bytes', contentType: 'file_content_type', locator: 'file_url' },
};
