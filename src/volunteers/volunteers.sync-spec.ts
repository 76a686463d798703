import { AggregateSpec } from '../core/sync-kernel/aggregate-spec';

const byVolunteer = ['volunteer_id'];

export const VOLUNTEERS_SYNC_SPEC: AggregateSpec = {
  name: 'volunteers',
  tables: [
    'volunteer',
    'vital_signs',
    'volunteer_clinical_conditions',
    'volunteer_clinical_events',
    'volunteer_medications',
    'volunteer_allergy_intolerances',
  ],
  feeds: [
    {
      route: 'volunteers',
      root: 'volunteer',
      children: [
        { table: 'vital_signs', property: 'vitalSigns', parentColumns: byVolunteer },
        { table: 'volunteer_clinical_conditions', property: 'clinicalConditions', parentColumns: byVolunteer },
        { table: 'volunteer_clinical_events', property: 'clinicalEvents', parentColumns: byVolunteer },
        { table: 'volunteer_medications', property: 'medications', parentColumns: byVolunteer },
        { table: 'volunteer_allergy_intolerances', property: 'allergyIntolerances', parentColumns: byVolunteer },
      ],
    },
  ],
  localColumns: { volunteer: { research_node_id: 'localNodeId' } },
  naturalKeys: { volunteer: { uq_volunteer_origin_email: ['origin_node_id', 'email'], uq_volunteer_origin_code: ['origin_node_id', 'volunteer_code'] } },
};
