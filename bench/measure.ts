/**
 * A small in-process benchmark runner: every candidate runs in the same process, interleaved over
 * several rounds, and results are reported as ratios against a baseline, never as absolute
 * thresholds (machines differ; ratios on one machine in one run do not).
 */
export interface Candidate {
  name: string;
  run: () => Promise<unknown>;
}

export interface CandidateResult {
  name: string;
  /** Median nanoseconds per operation over the rounds. */
  nsPerOp: number;
  opsPerSec: number;
  /** nsPerOp divided by the baseline's. */
  ratio: number;
}

async function timeBatch(run: () => Promise<unknown>, iterations: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await run();
  return Number(process.hrtime.bigint() - start) / iterations;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export async function compare(
  title: string,
  candidates: Candidate[],
  options: { iterations: number; rounds: number; warmup: number },
): Promise<CandidateResult[]> {
  for (const candidate of candidates) await timeBatch(candidate.run, options.warmup);
  const samples = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    // Rotate the order each round so no candidate always runs with a warmer or colder heap.
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[(i + round) % candidates.length];
      samples.get(candidate.name)!.push(await timeBatch(candidate.run, options.iterations));
    }
  }
  const baseline = median(samples.get(candidates[0].name)!);
  const results = candidates.map((candidate) => {
    const nsPerOp = median(samples.get(candidate.name)!);
    return { name: candidate.name, nsPerOp, opsPerSec: 1e9 / nsPerOp, ratio: nsPerOp / baseline };
  });
  console.log(`\n${title}`);
  console.log(
    `${'candidate'.padEnd(44)} ${'ns/op'.padStart(10)} ${'ops/s'.padStart(12)} ${'ratio'.padStart(7)}`,
  );
  for (const result of results) {
    console.log(
      `${result.name.padEnd(44)} ${result.nsPerOp.toFixed(0).padStart(10)} ${result.opsPerSec.toFixed(0).padStart(12)} ${result.ratio.toFixed(2).padStart(7)}x`,
    );
  }
  return results;
}
