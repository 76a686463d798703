#!/usr/bin/env node
// Entry point of `npx prism-node <command>`; the commands live in src/cli (compiled to dist/).
require('../dist/src/cli/main.js')
  .runCli(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
