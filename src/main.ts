import 'reflect-metadata';
import { ConfigError, loadConfig, loadEnvFile } from './config';
import { RunningNode, startNode } from './node';
import { Logger } from '@nestjs/common';
import { createRootLogger, PinoNestLogger } from './observability/logging';
import { missingRuntimeFlags } from './config/runtime-flags';
import { stopOnSignals } from './stop-signals';

async function main(): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
  // JSON lines from the first one (embedded PostgreSQL start), before the application's own pino logger.
  Logger.overrideLogger(new PinoNestLogger(createRootLogger(config)));
  // Started as `node dist/src/main.js` by hand: it runs, with a larger young generation during pulls.
  const missing = missingRuntimeFlags();
  if (missing.length > 0) new Logger('Node').warn(`started without ${missing.join(' ')} (npm start and the Docker image set it): a pull may use ~30 MB more memory`);
  // Our handlers from the start, and the embedded server's package leaves the signals to them
  // (ownSignals): the node stops in order, the database last.
  const started: { node?: RunningNode } = {};
  const logger = new Logger('Node');
  const stop = stopOnSignals({ node: () => started.node, exit: (code) => process.exit(code), log: (level, message) => logger[level](message) });
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  started.node = await startNode(config, { ownSignals: true });
}

main().catch((error) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('node failed to start:', error);
  process.exit(1);
});
