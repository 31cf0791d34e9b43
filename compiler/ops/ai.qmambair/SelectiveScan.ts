import { Tensor } from "../../ir/tensor.js";
import { defineOp, type EvalContext } from "../define.js";
import { float32Input } from "../support/qmambair.js";
import { FLOAT32_SCAN_MATH, type ScanMath } from "../support/scan-math.js";
import { selectiveScan } from "../support/ss2d.js";

/**
 * u, delta (B, G*E, L); A (G*E, N); B, C (B, G, N, L); D, delta_bias (G*E) -> y (B, G*E, L).
 * Channel d reads the B and C of its direction g = floor(d / E). exp and softplus are the float32
 * exp32 and softplus32 (scan-math.ts).
 */
export default defineOp({
  domain: "ai.qmambair",
  type: "SelectiveScan",
  since: 1,
  inputs: [5, 7],
  shape: (inputs, ctx) => {
    // Ranks are checked where known, so that planning never reads a dimension a tensor lacks.
    const ranks = [3, 3, 2, 4, 4, 1, 1];
    const names = ["u", "delta", "A", "B", "C", "D", "delta_bias"];
    inputs.forEach((t, i) => {
      if (t?.shape && t.shape.length !== ranks[i]) {
        throw ctx.error(`input '${names[i]}' has rank ${t.shape.length}, expected ${ranks[i]}`);
      }
    });
    return [{ dtype: "float32", shape: inputs[0]?.shape }];
  },
  evaluate: (inputs, ctx) => evaluateSelectiveScan(inputs, ctx, FLOAT32_SCAN_MATH),
});

/**
 * The scan's evaluation with `math`'s exp and softplus (scan-math.ts): this op's float32 ones, or
 * qmc.QSelectiveScan's fdlibm ones.
 */
export function evaluateSelectiveScan(
  [u, delta, a, b, c, d, bias]: readonly (Tensor | undefined)[],
  ctx: EvalContext,
  math: ScanMath,
): Tensor[] {
  const U = float32Input(u, "u", ctx);
  const Dt = float32Input(delta, "delta", ctx);
  const A = float32Input(a, "A", ctx);
  const Bm = float32Input(b, "B", ctx);
  const Cm = float32Input(c, "C", ctx);
  if (U.rank !== 3) throw ctx.error(`input 'u' has shape [${U.shape}], expected (B, G*E, L)`);
  const [batch, GE, L] = U.shape;
  if (Bm.rank !== 4) throw ctx.error(`input 'B' has shape [${Bm.shape}], expected (B, G, N, L)`);
  const [, G, N] = Bm.shape;
  const same = (t: Tensor, shape: readonly number[]) =>
    t.rank === shape.length && t.shape.every((x, i) => x === shape[i]);
  const expect = (t: Tensor | undefined, name: string, shape: readonly number[]) => {
    if (t && !same(float32Input(t, name, ctx), shape)) {
      throw ctx.error(`input '${name}' has shape [${t.shape}], expected [${shape}]`);
    }
  };
  if (GE % G !== 0) throw ctx.error(`u has ${GE} channels, not a multiple of the ${G} directions of B`);
  expect(Dt, "delta", U.shape);
  expect(A, "A", [GE, N]);
  expect(Bm, "B", [batch, G, N, L]);
  expect(Cm, "C", [batch, G, N, L]);
  expect(d, "D", [GE]);
  expect(bias, "delta_bias", [GE]);
  const y = selectiveScan(
    { batch, groups: G, channels: GE / G, states: N, length: L },
    U.values,
    Dt.values,
    A.values,
    Bm.values,
    Cm.values,
    d?.values,
    bias?.values,
    ctx.attrs.int("delta_softplus", 1) !== 0,
    math,
  );
  return [new Tensor("float32", U.shape, y)];
}
