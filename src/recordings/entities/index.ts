import { RecordChannel } from './record-channel.entity';
import { SessionRecord } from './record.entity';

export { RecordChannel, SessionRecord };

export const RECORDING_ENTITIES: Function[] = [SessionRecord, RecordChannel];
