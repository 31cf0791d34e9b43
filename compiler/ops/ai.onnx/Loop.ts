import type { TypeInfo } from "../../ir/graph.js";
import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { conditionValue, declaredShape, mergeTypes, stackAlong } from "../support/iteration.js";

// Body signature: (iteration_num, condition, v...) -> (condition, v..., scan_outputs...), where the
// loop-carried values v follow the node's trip count and condition inputs.
export default defineOp({
  type: "Loop",
  since: 1,
  inputs: [2, Number.POSITIVE_INFINITY],
  shape: (inputs, ctx) => {
    const body = ctx.attrs.graph("body");
    const n = inputs.length - 2;
    const tripCount = ctx.constant(0);
    // A carried value may change shape between iterations: keep only what its initial and body types agree on.
    const carried = inputs.slice(2).map((t, i) => mergeTypes(t, body.outputs[i + 1]?.type));
    const scans = body.outputs.slice(1 + n).map((o): TypeInfo => {
      // The number of iterations is only known when the trip count is and no condition can end the loop early.
      const iterations = tripCount && ctx.node.inputs[1] === "" ? tripCount.item() : null;
      return { dtype: o.type.dtype, shape: o.type.shape ? [iterations, ...o.type.shape] : undefined };
    });
    return [...carried, ...scans];
  },
  evaluate: (inputs, ctx) => {
    const body = ctx.attrs.graph("body");
    const [tripCount, cond, ...initial] = inputs;
    const n = inputs.length - 2;
    if (body.inputs.length !== n + 2) {
      throw ctx.error(
        `body takes ${body.inputs.length} inputs, expected ${n + 2} (iteration, condition, ${n} carried)`,
      );
    }
    if (body.outputs.length < n + 1) {
      throw ctx.error(
        `body produces ${body.outputs.length} outputs, expected at least ${n + 1} (condition, ${n} carried)`,
      );
    }
    const carried = initial.map((t, i) => {
      if (!t) throw ctx.error(`loop-carried input ${i} is missing`);
      return t;
    });
    if (!tripCount && !cond)
      throw ctx.error("neither a trip count M nor a condition is given: the loop would never end");
    const limit = tripCount ? tripCount.item() : Number.POSITIVE_INFINITY;
    let running = cond ? conditionValue(cond, "cond", ctx) : true;
    const scanCount = body.outputs.length - 1 - n;
    const scans: Tensor[][] = Array.from({ length: scanCount }, () => []);
    for (let i = 0; i < limit && running; i++) {
      const outputs = ctx.runGraph(body, [Tensor.scalar("int64", i), Tensor.scalar("bool", 1), ...carried]);
      // Without a cond input the body's condition output is ignored: the loop runs on the trip count alone.
      if (cond) running = conditionValue(outputs[0], "the body's condition output", ctx);
      carried.splice(0, n, ...outputs.slice(1, 1 + n));
      outputs.slice(1 + n).forEach((t, k) => {
        scans[k].push(t);
      });
    }
    const stacked = scans.map((parts, k) => {
      const info = body.outputs[1 + n + k];
      return stackAlong(
        parts,
        0,
        info.type.dtype ?? "float32",
        declaredShape(body, 1 + n + k),
        `scan output ${k}`,
        ctx,
      );
    });
    return [...carried, ...stacked];
  },
});
