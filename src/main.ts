import 'reflect-metadata';
import { ConfigError, loadConfig, loadEnvFile } from './config';
import { startNode } from './node';

async function main(): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
  const node = await startNode(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, stopping node`);
    node.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('node failed to start:', error);
  process.exit(1);
});
