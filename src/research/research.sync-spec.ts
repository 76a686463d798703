import { AggregateSpec } from '../core/sync-kernel/aggregate-spec';

export const RESEARCHERS_SYNC_SPEC: AggregateSpec = {
  name: 'researchers',
  tables: ['researcher'],
  feeds: [{ route: 'researchers', root: 'researcher' }],
  localColumns: { researcher: { research_node_id: 'localNodeId' } },
  naturalKeys: { researcher: { uq_researcher_origin_email: ['origin_node_id', 'email'] } },
};

/** Sensors are synced with their device (record_channel.sensor_id references them). */
export const DEVICES_SYNC_SPEC: AggregateSpec = {
  name: 'devices',
  tables: ['device', 'sensor'],
  feeds: [
    { route: 'devices', root: 'device', children: [{ table: 'sensor', property: 'sensors', parentColumns: ['device_id'] }] },
  ],
};

const byResearch = ['research_id'];

export const RESEARCH_SYNC_SPEC: AggregateSpec = {
  name: 'research',
  tables: ['research', 'application', 'research_researcher', 'research_volunteer', 'research_device'],
  feeds: [
    {
      route: 'research',
      root: 'research',
      children: [
        { table: 'application', property: 'applications', parentColumns: byResearch },
        { table: 'research_device', property: 'researchDevices', parentColumns: byResearch },
        { table: 'research_researcher', property: 'researchResearchers', parentColumns: byResearch },
        { table: 'research_volunteer', property: 'researchVolunteers', parentColumns: byResearch },
      ],
    },
  ],
  localColumns: { research: { research_node_id: 'localNodeId' } },
};
