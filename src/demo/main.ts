import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { runDemo } from './demo';

// `npm run demo`: two nodes, introduced, B filled, A previews and pulls (twice). Exit 0 on success.
// The nodes log to their data directories; this process only reports its own errors.
Logger.overrideLogger(['error', 'fatal']);
runDemo().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
