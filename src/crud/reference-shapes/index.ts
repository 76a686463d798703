import { ReferenceShape } from '../reference/reference-shape';
import { RESEARCH_REFERENCE } from './research';
import { SESSIONS_REFERENCE } from './sessions';
import { SNOMED_REFERENCE } from './snomed';
import { VOLUNTEERS_REFERENCE } from './volunteers';

/** The reference route shape of each CRUD resource that the reference node serves (by resource name). */
export const REFERENCE_SHAPES: ReferenceShape[] = [...SNOMED_REFERENCE, ...VOLUNTEERS_REFERENCE, ...RESEARCH_REFERENCE, ...SESSIONS_REFERENCE];
