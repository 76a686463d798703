import { MigrationInterface, QueryRunner } from 'typeorm';
import { NATURAL_KEY_FUNCTION } from './1796100000141-NaturalKeysNeverBlockPulls';

/**
 * The natural-key trigger took one advisory lock per written key, held to the end of the
 * transaction: a local bulk write of tens of thousands of rows filled PostgreSQL's shared lock table
 * ("out of shared memory"). A key now locks one of 1024 buckets of its trigger (at most 1024 locks
 * per trigger and transaction); two writers of one key still queue, two writers of different keys
 * in one bucket merely wait for each other.
 */
const PER_KEY = `PERFORM pg_advisory_xact_lock(hashtextextended(TG_TABLE_NAME || '/' || TG_NAME || '/' || key_values, 0));`;
const PER_BUCKET = `PERFORM pg_advisory_xact_lock(hashtext(TG_TABLE_NAME || '/' || TG_NAME), hashtext(key_values) & 1023);`;

function replaced(from: string, to: string): string {
  if (!NATURAL_KEY_FUNCTION.includes(from)) throw new Error('NaturalKeyLockBuckets: the lock statement of prism_unique_natural_key was not found');
  return NATURAL_KEY_FUNCTION.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION').replace(from, to);
}

export class NaturalKeyLockBuckets1796100000201 implements MigrationInterface {
  name = 'NaturalKeyLockBuckets1796100000201';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(replaced(PER_KEY, PER_BUCKET));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(replaced(PER_KEY, PER_KEY));
  }
}
