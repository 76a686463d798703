import { ReferenceShape } from '../reference/reference-shape';

/**
 * The reference's ClinicalSessionController routes the IRIS mobile app calls (iris-desktop-api.md
 * §3.11) that map onto one table each: the session list and new annotations. Creating sessions
 * with their target area, recordings and uploads (M1, M3–M5) are not served in the reference shape.
 */
export const SESSIONS_REFERENCE: ReferenceShape[] = [
  {
    resource: 'sessions',
    routes: [
      {
        op: 'list',
        method: 'GET',
        path: 'ClinicalSession/GetAllPaginated',
        query: {
          researchId: { property: 'researchId' },
          volunteerId: { property: 'volunteerId' },
          status: { property: 'finishedAt', isNullWhen: { active: true, completed: false } },
          dateFrom: { property: 'startAt', bound: 'from' },
          dateTo: { property: 'startAt', bound: 'to' },
        },
        summary: 'Reference: clinical sessions, paged, newest first (filters researchId, volunteerId, status, dateFrom, dateTo)',
      },
    ],
    view: {
      id: 'id',
      researchId: 'researchId',
      volunteerId: 'volunteerId',
      targetAreaId: 'targetAreaId',
      startAt: 'startAt',
      finishedAt: 'finishedAt',
      createdAt: 'createdAt',
      updatedAt: 'updatedAt',
    },
    order: [['startAt', 'DESC']],
    notFoundCode: 'ERR_CLINICAL_SESSION_NOT_FOUND',
  },
  {
    resource: 'session-annotations',
    routes: [
      { op: 'create', method: 'POST', path: 'ClinicalSession/:recordSessionId/annotations/New', summary: 'Reference: add an annotation to a clinical session' },
    ],
    view: { id: 'id', recordSessionId: 'recordSessionId', text: 'text', createdAt: 'createdAt', updatedAt: 'updatedAt' },
    nonEmpty: ['text'],
    notFoundCode: 'ERR_ANNOTATION_NOT_FOUND',
    parentNotFoundCode: 'ERR_CLINICAL_SESSION_NOT_FOUND',
  },
];
