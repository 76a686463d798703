import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig, loadEnvFile } from './src/config';
import { typeOrmOptions } from './src/database/typeorm-options';

// TypeORM CLI data source (migration:generate / revert / show). It needs DATABASE_URL; the node's
// own `prism-node migrate` also works on the embedded database.
loadEnvFile();
const config = loadConfig();
if (!config.database.url) {
  throw new Error('ormconfig.ts: set DATABASE_URL (the TypeORM CLI does not start the embedded database; use `npx prism-node migrate`)');
}
export default new DataSource(typeOrmOptions(config, config.database.url));
