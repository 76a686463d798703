import { DataSource } from 'typeorm';
import { loadConfig, loadEnvFile, redact } from '../../config';
import { typeOrmOptions } from '../../database/typeorm-options';
import { openDatabase } from '../../node';
import { CliCommand, EXIT } from '../command';

/** `prism-node migrate`: applies pending migrations to the node's database without a running node. */
export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'apply pending database migrations (embedded PostgreSQL when DATABASE_URL is unset; works with or without a running node)',
  usage: 'migrate [--json]',
  async run(args) {
    loadEnvFile();
    const config = loadConfig();
    // Beside a running node, its embedded server is used (migrations take an advisory lock).
    const database = await openDatabase(config, { attachToRunning: true });
    const dataSource = new DataSource({ ...typeOrmOptions(config, database.url), migrationsRun: false });
    try {
      await dataSource.initialize();
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      const names = applied.map((m) => m.name);
      if (args.values.json) console.log(JSON.stringify({ database: redact(database.url), applied: names }));
      else console.log(names.length ? `applied ${names.length} migration(s) to ${redact(database.url)}:\n  ${names.join('\n  ')}` : `database ${redact(database.url)} is up to date`);
      return EXIT.ok;
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      await database.close();
    }
  },
};
