// dynalite in its own process (startDynalite({ childProcess: true })): a large test's DynamoDB
// work then runs on another core than the SDK clients and servers of the test itself.
const dynalite = require('dynalite');

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message !== 'close') return;
  server.closeAllConnections?.();
  server.close(() => process.exit(0));
});
// The parent died without closing: do not outlive it.
process.on('disconnect', () => process.exit(0));
