import { ResearchNode } from '../nodes/entities/research-node.entity';
import { RECORDING_ENTITIES } from '../recordings/entities';
import { RESEARCH_ENTITIES } from '../research/entities';
import { SESSION_ENTITIES } from '../sessions/entities';
import { SNOMED_ENTITIES } from '../snomed/entities';
import { SYNC_ENTITIES } from '../sync/entities';
import { User } from '../users/entities/user.entity';
import { VOLUNTEER_ENTITIES } from '../volunteers/entities';

/** Every TypeORM entity of the node; each aggregate module exports its own list. */
export const ALL_ENTITIES: Function[] = [
  ResearchNode,
  User,
  ...SNOMED_ENTITIES,
  ...VOLUNTEER_ENTITIES,
  ...RESEARCH_ENTITIES,
  ...SESSION_ENTITIES,
  ...RECORDING_ENTITIES,
  ...SYNC_ENTITIES,
];
