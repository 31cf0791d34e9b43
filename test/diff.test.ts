import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { targetNamed } from "../compiler/cli/compile-model.js";
import { planModelFile } from "../compiler/cli/load-plan.js";
import { diffKernels } from "../compiler/diff/diff-model.js";
import { noiseImage, recordValues } from "../compiler/diff/record.js";
import { qmc, STACK_LINE } from "./support/cli.js";
import { writeSmallConvModel } from "./support/small-conv-model.js";

const dir = mkdtempSync(join(tmpdir(), "qmc-diff-"));

/** conv 3->4, relu, conv 4->3, + x, sigmoid: float kernels with two activation inputs among them. */
const model = writeSmallConvModel(dir, 7);

describe("qmc diff", () => {
  it("js and ts agree exactly on every kernel, and both match the reference interpreter", async () => {
    const { compiled, plan } = planModelFile(model);
    const size = { h: 7, w: 5 };
    const values = recordValues(compiled, noiseImage(3, size.h, size.w));
    const r = await diffKernels(plan, values, {
      targets: ["js", "ts"],
      size,
      emit: (t, p) => targetNamed(t).emit(p),
    });
    expect(r.kernels.map((k) => k.kind)).toEqual(["Conv", "Relu", "Conv", "Add", "Sigmoid"]);
    for (const k of r.kernels) {
      expect(k.agreement).toEqual({ maxAbs: 0, maxUlp: 0, exact: true, nonFinite: 0 });
      for (const e of k.referenceMaxAbs) expect(e).toBeLessThan(1e-5);
      expect(k.bytes[0]).toBeGreaterThan(50);
      // The ts text carries type annotations on the same body.
      expect(k.bytes[1]).toBeGreaterThan(k.bytes[0]);
    }
  });

  it("--kernel prints the row and a unified diff of the kernel's code", () => {
    const r = qmc("diff", model, "--targets", "js,ts", "--kernel", "2", "--size", "6x4");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/#2 k2_conv_c4_o3_k3x3 +Conv .* yes/);
    expect(r.stdout).toMatch(/^--- js\/k2_conv_c4_o3_k3x3\.js$/m);
    expect(r.stdout).toMatch(/^\+\+\+ ts\/k2_conv_c4_o3_k3x3\.ts$/m);
    expect(r.stdout).toMatch(/^\+function \w+\(\w+: Float32Array/m);
  });

  it("--json gives every kernel as data", () => {
    const r = qmc("diff", model, "--targets", "js,ts", "--json");
    const data = JSON.parse(r.stdout);
    expect(data.size).toEqual({ h: 12, w: 10 });
    expect(data.kernels).toHaveLength(5);
    expect(data.kernels.every((k: { agreement: { exact: boolean } }) => k.agreement.exact)).toBe(true);
  });

  it("an unknown kernel or target is a user error", () => {
    for (const [args, message] of [
      [["--kernel", "nothing_like_this"], /no kernel's name contains 'nothing_like_this'/],
      [["--kernel", "99"], /kernel #99 does not exist: the plan has kernels #0..#4/],
    ] as const) {
      const r = qmc("diff", model, "--targets", "js,ts", ...args);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(r.status).toBe(2);
    }
    const r = qmc("diff", model, "--targets", "js,cobol");
    expect(r.stderr).toMatch(/unknown target 'cobol'/);
    expect(r.status).toBe(2);
  });
});
