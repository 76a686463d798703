/**
 * Which research project a session belongs to, for the reference's blob path of a served file
 * ({researchId|unlinked}/{sessionId}/{recordId}.csv). Sessions are the sessions module's table, so
 * that module answers (SessionsModule provides it).
 */
export abstract class SessionResearch {
  /** The research id of a session, or null when it belongs to none. */
  abstract researchOf(sessionId: string): Promise<string | null>;
}
