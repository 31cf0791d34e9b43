import { performance } from "node:perf_hooks";

export interface Timing {
  readonly medianMs: number;
  readonly minMs: number;
  readonly runs: number;
}

/** How many runs a timing takes: warmups, then at least minRuns, more while under budgetMs, at most maxRuns. */
export interface TimingWindow {
  readonly warmups?: number;
  readonly minRuns?: number;
  readonly maxRuns?: number;
  readonly budgetMs?: number;
}

/**
 * Median wall time of `body` over runs after warmups. The run count adapts to the body's cost so a
 * slow target still finishes: at least `minRuns`, more while under `budgetMs`, at most `maxRuns`.
 * The default budget is long enough that a fast target's median outlasts the few seconds a noisy
 * neighbour on a shared VM can slow every run of a shorter window.
 */
export async function timeIt(
  body: () => unknown,
  { warmups = 1, minRuns = 3, maxRuns = 50, budgetMs = 10_000 }: TimingWindow = {},
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

/**
 * Median wall times of several bodies measured side by side: after a warmup of each, rounds that
 * run each body once, while under `budgetMs` (at least `minRounds`, at most `maxRounds`). On a
 * shared machine a slow spell then slows every body alike, so their ratios hold where separate
 * windows would each catch a different spell.
 */
export async function timeSideBySide(
  bodies: readonly (() => unknown)[],
  { minRounds = 3, maxRounds = 50, budgetMs = 10_000 } = {},
): Promise<Timing[]> {
  for (const body of bodies) await body();
  const times = bodies.map((): number[] => []);
  const start = performance.now();
  for (let round = 0; round < minRounds || (round < maxRounds && performance.now() - start < budgetMs); round++) {
    for (const [i, body] of bodies.entries()) {
      const t0 = performance.now();
      await body();
      times[i].push(performance.now() - t0);
    }
  }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    const mid = t.length >> 1;
    return { medianMs: t.length % 2 ? t[mid] : (t[mid - 1] + t[mid]) / 2, minMs: t[0], runs: t.length };
  });
}
