import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SessionResearch } from '../recordings/session-research.port';

/** The recordings module's SessionResearch port, over this module's record_session table. */
@Injectable()
export class SessionResearchLookup extends SessionResearch {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async researchOf(sessionId: string): Promise<string | null> {
    const rows: { research: string | null }[] = await this.dataSource.query(`SELECT research_id AS research FROM record_session WHERE id = $1`, [sessionId]);
    return rows[0]?.research ?? null;
  }
}
