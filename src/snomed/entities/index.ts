import { AllergyIntolerance } from './allergy-intolerance.entity';
import { ClinicalCondition } from './clinical-condition.entity';
import { ClinicalEvent } from './clinical-event.entity';
import { Medication } from './medication.entity';
import { SnomedBodyRegion } from './snomed-body-region.entity';
import { SnomedBodyStructure } from './snomed-body-structure.entity';
import { SnomedLaterality } from './snomed-laterality.entity';
import { SnomedSeverityCode } from './snomed-severity-code.entity';
import { SnomedTopographicalModifier } from './snomed-topographical-modifier.entity';

export {
  AllergyIntolerance,
  ClinicalCondition,
  ClinicalEvent,
  Medication,
  SnomedBodyRegion,
  SnomedBodyStructure,
  SnomedLaterality,
  SnomedSeverityCode,
  SnomedTopographicalModifier,
};

export const SNOMED_ENTITIES: Function[] = [
  SnomedBodyRegion,
  SnomedBodyStructure,
  SnomedTopographicalModifier,
  SnomedLaterality,
  SnomedSeverityCode,
  ClinicalCondition,
  ClinicalEvent,
  Medication,
  AllergyIntolerance,
];
