import { runColdStartBench } from './cold-start.bench';
import { runDispatchBench } from './dispatch.bench';
import { runDistributedFanoutBench } from './distributed-fanout.bench';
import { runFanoutBench } from './fanout.bench';
import { runGatewayBench } from './gateway.bench';
import { runMemoryBench } from './memory.bench';
import { runRoomHistoryBench } from './room-history.bench';

/**
 * Every figure of issue 8 with its baseline in the same run, then one JSON line (figure ->
 * ratio, or the named quantity) to compare across commits. The logging figures run in their
 * own process first (scripts/bench.js); their summary arrives in LIFT_WS_BENCH_LOGGING_SUMMARY.
 */
async function main(): Promise<void> {
  console.log(
    `lift-ws benchmarks on Node ${process.version}; ratios are against the first line of each table`,
  );
  const summary: Record<string, number> = {
    ...(JSON.parse(process.env.LIFT_WS_BENCH_LOGGING_SUMMARY ?? '{}') as Record<string, number>),
  };
  Object.assign(summary, await runDispatchBench());
  Object.assign(summary, runColdStartBench());
  Object.assign(summary, await runMemoryBench());
  Object.assign(summary, await runFanoutBench());
  Object.assign(summary, await runDistributedFanoutBench());
  Object.assign(summary, await runRoomHistoryBench());
  Object.assign(summary, await runGatewayBench());
  console.log(`\n${JSON.stringify(summary)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
