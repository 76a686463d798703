import { AggregateSpec, ChildSpec } from '../core/sync-kernel/aggregate-spec';

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

/** file_url points into this node's storage: rewritten on import to where the file was stored. */
export const RECORDINGS_LOCAL_COLUMNS: NonNullable<AggregateSpec['localColumns']> = {
  record_channel: { file_url: 'fileLocator' },
};
