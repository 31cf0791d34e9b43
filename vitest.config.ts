import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Nearly every suite is CPU-bound in one thread (compiling and running whole models), so one
    // worker per core: vitest's default of cores - 1 runs a 2-core machine's suite on one core.
    maxWorkers: availableParallelism(),
    // Several suites spawn the CLI or compile whole models; with every core busy a single test can
    // take a minute or two. This bounds hangs, not speed (speed lives in `npm run bench`).
    testTimeout: 300_000,
  },
});
