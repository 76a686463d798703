import { VitalSigns } from './vital-signs.entity';
import { VolunteerAllergyIntolerance } from './volunteer-allergy-intolerance.entity';
import { VolunteerClinicalCondition } from './volunteer-clinical-condition.entity';
import { VolunteerClinicalEvent } from './volunteer-clinical-event.entity';
import { VolunteerMedication } from './volunteer-medication.entity';
import { Volunteer } from './volunteer.entity';

export {
  VitalSigns,
  Volunteer,
  VolunteerAllergyIntolerance,
  VolunteerClinicalCondition,
  VolunteerClinicalEvent,
  VolunteerMedication,
};

export const VOLUNTEER_ENTITIES: Function[] = [
  Volunteer,
  VitalSigns,
  VolunteerClinicalCondition,
  VolunteerClinicalEvent,
  VolunteerMedication,
  VolunteerAllergyIntolerance,
];
