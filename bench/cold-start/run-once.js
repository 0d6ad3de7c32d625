// One cold start, in a fresh `node` process: require the bundle, answer one $connect event, and
// print the milliseconds since the process started (performance.now() counts from there), so
// Node's own boot is in both figures alike, and the CPU time the process used until then (on a
// shared machine wall time also counts waiting for a core). Plain CommonJS: no build step.
const { performance } = require('node:perf_hooks');

const bundle = process.argv[2];
const { handler } = require(bundle);
const event = JSON.parse(process.env.LIFT_WS_BENCH_EVENT);
Promise.resolve(
  handler(event, { awsRequestId: 'cold', getRemainingTimeInMillis: () => 3000 }),
).then((result) => {
  const ms = performance.now();
  const cpu = process.cpuUsage();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  process.stdout.write(
    `${JSON.stringify({ coldStartMs: ms, cpuMs, statusCode: result.statusCode })}\n`,
  );
});
