import { Application } from './application.entity';
import { Device } from './device.entity';
import { ResearchDevice } from './research-device.entity';
import { ResearchResearcher } from './research-researcher.entity';
import { ResearchVolunteer } from './research-volunteer.entity';
import { Research } from './research.entity';
import { Researcher } from './researcher.entity';
import { Sensor } from './sensor.entity';

export { Application, Device, Research, ResearchDevice, Researcher, ResearchResearcher, ResearchVolunteer, Sensor };

export const RESEARCH_ENTITIES: Function[] = [
  Researcher,
  Device,
  Sensor,
  Research,
  Application,
  ResearchResearcher,
  ResearchVolunteer,
  ResearchDevice,
];
