import { runDispatchBench } from './dispatch.bench';
import { runFanoutBench } from './fanout.bench';

async function main(): Promise<void> {
  console.log(
    `lift-ws benchmarks on Node ${process.version}; ratios are against the first line of each table`,
  );
  await runDispatchBench();
  await runFanoutBench();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
