import { RecordSession } from './record-session.entity';
import { SessionAnnotation } from './session-annotation.entity';
import { TargetAreaTopographicalModifier } from './target-area-topographical-modifier.entity';
import { TargetArea } from './target-area.entity';

export { RecordSession, SessionAnnotation, TargetArea, TargetAreaTopographicalModifier };

export const SESSION_ENTITIES: Function[] = [RecordSession, TargetArea, TargetAreaTopographicalModifier, SessionAnnotation];
