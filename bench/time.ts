import { performance } from "node:perf_hooks";

export interface Timing {
  readonly medianMs: number;
  readonly minMs: number;
  readonly runs: number;
}

/**
 * Median wall time of `body` over runs after warmups. The run count adapts to the body's cost so a
 * slow target still finishes: at least `minRuns`, more while under `budgetMs`, at most `maxRuns`.
 * The default budget is long enough that a fast target's median outlasts the few seconds a noisy
 * neighbour on a shared VM can slow every run of a shorter window.
 */
export async function timeIt(
  body: () => unknown,
  { warmups = 1, minRuns = 3, maxRuns = 50, budgetMs = 10_000 } = {},
): Promise<Timing> {
  for (let i = 0; i < warmups; i++) await body();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || (times.length < maxRuns && performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    await body();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const medianMs = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { medianMs, minMs: times[0], runs: times.length };
}
