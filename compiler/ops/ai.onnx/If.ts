import { defineOp } from "../define.js";
import { conditionValue, mergeTypes } from "../support/iteration.js";

export default defineOp({
  type: "If",
  since: 1,
  inputs: [1, 1],
  shape: (_inputs, ctx) => {
    const then = ctx.attrs.graph("then_branch").outputs;
    const otherwise = ctx.attrs.graph("else_branch").outputs;
    if (then.length !== otherwise.length) {
      throw ctx.error(`then_branch has ${then.length} outputs but else_branch ${otherwise.length}`);
    }
    return then.map((o, i) => mergeTypes(o.type, otherwise[i].type));
  },
  evaluate: ([cond], ctx) => {
    if (!cond) throw ctx.error("missing input cond");
    const branch = ctx.attrs.graph(conditionValue(cond, "cond", ctx) ? "then_branch" : "else_branch");
    const outputs = ctx.runGraph(branch, []);
    if (outputs.length !== ctx.node.outputs.length) {
      throw ctx.error(`the branch taken produces ${outputs.length} outputs, the node has ${ctx.node.outputs.length}`);
    }
    return outputs;
  },
});
