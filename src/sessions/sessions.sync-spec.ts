import { AggregateSpec } from '../core/sync-kernel/aggregate-spec';
import { RECORDING_FILES, RECORDS_CHILD, RECORDINGS_TABLES } from '../recordings/recordings.sync-spec';

const bySession = ['record_session_id'];

/** One session aggregate on the wire; its records, channels and their files are owned by the recordings module. */
export const SESSIONS_SYNC_SPEC: AggregateSpec = {
  name: 'sessions',
  tables: ['record_session', 'target_area', 'target_area_topographical_modifier', ...RECORDINGS_TABLES, 'session_annotation'],
  feeds: [
    {
      route: 'sessions',
      root: 'record_session',
      children: [
        {
          table: 'target_area',
          property: 'targetArea',
          parentColumns: bySession,
          single: true,
          children: [
            {
              table: 'target_area_topographical_modifier',
              property: 'topographicalModifiers',
              parentColumns: ['target_area_id'],
              codes: { property: 'topographicalModifierCodes', column: 'topographical_modifier_code' },
            },
          ],
        },
        RECORDS_CHILD,
        { table: 'session_annotation', property: 'sessionAnnotations', parentColumns: bySession },
      ],
    },
  ],
  files: [RECORDING_FILES],
  naturalKeys: { target_area: { uq_target_area_record_session: ['record_session_id'] } },
};
