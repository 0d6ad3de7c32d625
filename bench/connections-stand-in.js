// The `@connections` stand-in of the fan-out bench, run as a child process: AWS answers from
// another machine, and an in-process server would compete with the client for the same event
// loop and CPU. Answers every POST with an empty 200 after LATENCY_MS, counts posts and TCP
// connections, and tells the parent its port, then the counts whenever asked. Plain CommonJS so
// it forks without a build step (the bench itself runs bundled).
const { createServer } = require('node:http');

const latencyMs = Number(process.env.LATENCY_MS ?? '10');
let posts = 0;
let connections = 0;

const server = createServer((req, res) => {
  req.resume();
  req.once('end', () => {
    setTimeout(() => {
      if (req.method === 'POST') posts += 1;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '0' }).end();
    }, latencyMs);
  });
});
server.on('connection', () => {
  connections += 1;
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send({ port: server.address().port });
});

process.on('message', (message) => {
  if (message === 'count') {
    process.send({ counts: { posts, connections } });
    posts = 0;
    connections = 0;
  } else if (message === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
