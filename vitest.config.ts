import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The files that take minutes (Duktape and QuickJS restores; the reference interpreter on every
 * golden set), longest first. Without a previous run's timings, as in a fresh clone or CI, vitest
 * starts the largest files first, and these small ones started about a third of the way in, so the
 * suite waited for them at the end; begun first, they share the two workers with everything else.
 */
const SLOW_FILES = ["test/device-hosts.test.ts", "test/e2e-artifacts.test.ts"];

class SlowFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = SLOW_FILES.findIndex((s) => f.moduleId.endsWith(s));
      return i < 0 ? SLOW_FILES.length : i;
    };
    // Array.prototype.sort is stable: the other files keep vitest's order (by timings or size).
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Nearly every suite is CPU-bound in one thread (compiling and running whole models), so one
    // worker per core: vitest's default of cores - 1 runs a 2-core machine's suite on one core.
    maxWorkers: availableParallelism(),
    // Several suites spawn the CLI or compile whole models; with every core busy a single test can
    // take a minute or two. This bounds hangs, not speed (speed lives in `npm run bench`).
    testTimeout: 300_000,
    sequence: { sequencer: SlowFilesFirst },
  },
});
