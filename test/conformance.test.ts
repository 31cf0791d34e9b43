import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listConformanceCases, parseStatusFile, runConformanceCase } from "../compiler/verify/conformance.js";

const root = join(import.meta.dirname, "..", "..", "shared", "conformance", "onnx-node");
const status = parseStatusFile(readFileSync(join(import.meta.dirname, "conformance", "status.tsv"), "utf8"));
const ortPasses = new Set(
  readFileSync(join(root, "ORT_STATUS.tsv"), "utf8")
    .split("\n")
    .filter((l) => l.endsWith("\tpass"))
    .map((l) => l.split("\t")[0]),
);

const totals = { pass: 0, knownFail: 0, unsupported: 0 };

describe.runIf(existsSync(root))("ONNX conformance (../shared/conformance/onnx-node)", () => {
  for (const c of listConformanceCases(root)) {
    it(c.id, () => {
      const result = runConformanceCase(join(root, c.id));
      const recorded = status.get(c.id);
      if (result.status === "unsupported") {
        totals.unsupported++;
        expect(recorded, `${c.id} is listed in status.tsv but its ops are unsupported: ${result.ops}`).toBeUndefined();
        return;
      }
      expect(recorded, `${c.id} is supported but has no status in test/conformance/status.tsv`).toBeDefined();
      if (recorded === "pass") {
        totals.pass++;
        expect(result, `${c.id} regressed`).toEqual({ status: "pass" });
      } else {
        totals.knownFail++;
        expect(recorded?.startsWith("known-fail: "), `${c.id}: status must be 'pass' or 'known-fail: reason'`).toBe(
          true,
        );
        expect(result.status, `${c.id} now passes: mark it 'pass' in status.tsv`).toBe("fail");
        expect(
          ortPasses.has(c.id) && recorded?.includes("auto:"),
          `${c.id} passes in onnxruntime: give a specific reason`,
        ).toBe(false);
      }
    });
  }

  it("passes at least 95% of the supported cases", () => {
    const statuses = [...status.values()];
    const pass = statuses.filter((s) => s === "pass").length;
    expect(pass / statuses.length).toBeGreaterThanOrEqual(0.95);
  });

  afterAll(() => {
    const supported = totals.pass + totals.knownFail;
    console.log(
      `conformance: ${totals.pass} pass, ${totals.knownFail} known-fail of ${supported} supported cases; ${totals.unsupported} cases use unsupported ops`,
    );
  });
});
