import 'reflect-metadata';
import { runDemo } from './demo';

// `npm run demo`: two nodes, introduced, B filled, A previews and pulls (twice). Exit 0 on success.
runDemo().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
