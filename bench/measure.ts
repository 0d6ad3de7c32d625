/**
 * A small in-process benchmark runner: every candidate runs in the same process, interleaved over
 * several rounds, and results are reported as ratios against a baseline, never as absolute
 * thresholds (machines differ; ratios on one machine in one run do not). Wall time and CPU time
 * (user + system) are both kept: on a machine shared with other work, wall time also counts the
 * time the process waits for a core, CPU time does not.
 */
export interface Candidate {
  name: string;
  run: () => unknown;
}

export interface CandidateResult {
  name: string;
  /** Median wall-clock nanoseconds per operation over the rounds. */
  nsPerOp: number;
  opsPerSec: number;
  /** nsPerOp divided by the baseline's. */
  ratio: number;
  /** Median CPU nanoseconds (user + system) per operation over the rounds. */
  cpuNsPerOp: number;
  /** cpuNsPerOp divided by the baseline's. */
  cpuRatio: number;
}

interface Sample {
  wallNs: number;
  cpuNs: number;
}

/** The collector, when the process runs with `--expose-gc` (scripts/bench.js starts it so). */
export const fullGc = (globalThis as { gc?: () => void }).gc;

async function timeBatch(
  run: () => unknown,
  iterations: number,
  afterFullGc = false,
): Promise<Sample> {
  if (afterFullGc) fullGc?.();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  // Every candidate is awaited the same way, as Lambda awaits a handler.
  for (let i = 0; i < iterations; i++) await run();
  const wallNs = Number(process.hrtime.bigint() - start) / iterations;
  const used = process.cpuUsage(cpu);
  return { wallNs, cpuNs: ((used.user + used.system) * 1000) / iterations };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Column widths shared by every table of the bench, so ratio columns line up across tables. */
export const NAME_WIDTH = 48;

export function row(name: string, ...cells: string[]): string {
  return `${name.padEnd(NAME_WIDTH)}${cells.map((cell) => cell.padStart(12)).join('')}`;
}

export function ratio(value: number): string {
  return `${value.toFixed(2)}x`;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export interface CompareOptions {
  iterations: number;
  rounds: number;
  warmup: number;
  /** Each timed batch starts right after a full garbage collection (needs `--expose-gc`). */
  afterFullGc?: boolean;
}

export async function compare(
  title: string,
  candidates: Candidate[],
  options: CompareOptions,
): Promise<CandidateResult[]> {
  for (const candidate of candidates) await timeBatch(candidate.run, options.warmup);
  const samples = new Map<string, Sample[]>(candidates.map((c) => [c.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    // Rotate the order each round so no candidate always runs with a warmer or colder heap.
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[(i + round) % candidates.length];
      samples
        .get(candidate.name)!
        .push(await timeBatch(candidate.run, options.iterations, options.afterFullGc));
    }
  }
  const wall = (name: string) => median(samples.get(name)!.map((s) => s.wallNs));
  const cpu = (name: string) => median(samples.get(name)!.map((s) => s.cpuNs));
  const baselineWall = wall(candidates[0].name);
  const baselineCpu = cpu(candidates[0].name);
  const results = candidates.map((candidate) => {
    const nsPerOp = wall(candidate.name);
    const cpuNsPerOp = cpu(candidate.name);
    return {
      name: candidate.name,
      nsPerOp,
      opsPerSec: 1e9 / nsPerOp,
      ratio: nsPerOp / baselineWall,
      cpuNsPerOp,
      cpuRatio: cpuNsPerOp / baselineCpu,
    };
  });
  console.log(`\n${title}`);
  console.log(row('candidate', 'ns/op', 'ops/s', 'wall ratio', 'CPU ratio'));
  for (const result of results) {
    console.log(
      row(
        result.name,
        result.nsPerOp.toFixed(0),
        result.opsPerSec.toFixed(0),
        ratio(result.ratio),
        ratio(result.cpuRatio),
      ),
    );
  }
  return results;
}
