import { performance } from "node:perf_hooks";

/** Every run of one contender, in milliseconds in the order they ran, and their median, min and max. */
export interface Timing {
  readonly runs: number;
  readonly runsMs: readonly number[];
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/**
 * How many rounds a measurement takes: `warmups` untimed rounds, then at least `minRounds`, more
 * while under `budgetMs`, at most `maxRounds`.
 */
export interface TimingWindow {
  readonly warmups?: number;
  readonly minRounds?: number;
  readonly maxRounds?: number;
  readonly budgetMs?: number;
}

/**
 * The default budget is long enough that a fast contender's median outlasts the few seconds a noisy
 * neighbour on a shared machine can slow every run of a shorter window.
 */
export const DEFAULT_WINDOW = { warmups: 1, minRounds: 3, maxRounds: 50, budgetMs: 10_000 } as const;

/** The window with the defaults filled in where `window` leaves a field out (or undefined). */
export function fullWindow(window: TimingWindow = {}): Required<TimingWindow> {
  const {
    warmups = DEFAULT_WINDOW.warmups,
    minRounds = DEFAULT_WINDOW.minRounds,
    maxRounds = DEFAULT_WINDOW.maxRounds,
    budgetMs = DEFAULT_WINDOW.budgetMs,
  } = window;
  return { warmups, minRounds, maxRounds, budgetMs };
}

export function summarize(runsMs: readonly number[]): Timing {
  const sorted = [...runsMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return {
    runs: sorted.length,
    runsMs: [...runsMs],
    medianMs: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2,
    minMs: sorted[0],
    maxMs: sorted[sorted.length - 1],
  };
}

/**
 * Times several bodies side by side: every round runs each body once, starting one body further on
 * each round, so that a slow spell of a shared machine slows them alike and none always runs right
 * after the same neighbour (whose garbage or cache state it would inherit). Their ratios then hold
 * where separate windows would each catch a different spell. `onRound(done, expected)` follows the
 * rounds; `expected` is an estimate from the rounds' cost so far.
 */
export async function timeRounds(
  bodies: readonly (() => unknown)[],
  window: TimingWindow = {},
  onRound?: (done: number, expected: number) => void,
): Promise<Timing[]> {
  const { warmups, minRounds, maxRounds, budgetMs } = fullWindow(window);
  const order = (round: number) => bodies.map((_, i) => (round + i) % bodies.length);
  for (let round = 0; round < warmups; round++) for (const i of order(round)) await bodies[i]();
  const times = bodies.map((): number[] => []);
  const start = performance.now();
  let rounds = 0;
  const more = () => rounds < minRounds || (rounds < maxRounds && performance.now() - start < budgetMs);
  while (more()) {
    for (const i of order(rounds)) {
      const t0 = performance.now();
      await bodies[i]();
      times[i].push(performance.now() - t0);
    }
    rounds++;
    const perRound = (performance.now() - start) / rounds;
    const affordable = Math.ceil(budgetMs / perRound);
    onRound?.(rounds, Math.max(rounds, Math.min(maxRounds, Math.max(minRounds, affordable))));
  }
  return times.map(summarize);
}
