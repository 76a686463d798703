#!/usr/bin/env node
// Entry point of `npx prism-node <command>`; the commands live in src/cli (compiled to dist/).
let cli;
try {
  cli = require('../dist/src/cli/main.js');
} catch (error) {
  if (error && error.code !== 'MODULE_NOT_FOUND') throw error;
  console.error('error: prism-node is not built (dist/ is missing)\n  what to do: run `npm install` (it builds), or `npm run build`');
  process.exit(1);
}
cli
  .runCliProcess(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error) => {
    // runCli explains every failure itself; this is the last resort for a bug in the CLI.
    console.error(`error: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  });
