import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Several suites spawn the CLI or compile whole models; on a loaded 2-core machine a single test
    // can take tens of seconds. This bounds hangs, not speed (speed lives in `npm run bench`).
    testTimeout: 120_000,
  },
});
