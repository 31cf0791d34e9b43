import { softmaxGroups } from "../../shared/softmax-groups.js";
import type { KernelGenerator } from "./types.js";

/**
 * Softmax along one axis (opset 13: default -1, the axis alone), as compiler/ops/support/softmax.ts
 * computes it: the group's max, the sum of exp(x - max) in order, then exp(x - max) / sum, all in
 * double with the artifact's own exp (bit-identical to Math.exp), rounded at the store.
 */
const softmax: KernelGenerator = (env) => {
  const g = softmaxGroups(env);
  const x = env.input(0, "x");
  const y = env.output(0, "y");
  const outer = env.count(g.outer, "outer");
  const length = env.count(g.length, "L");
  const inner = env.count(g.inner, "inner");
  const at = (i: string) => (inner === "1" ? `base + ${i}` : `base + ${i} * ${inner}`);
  return {
    spec: g.spec,
    helpers: ["qexp"],
    body: (w) => {
      w.line("var a, b, i, base, mx, sum;");
      w.block(`for (a = 0; a < ${outer}; a++)`, () => {
        w.block(`for (b = 0; b < ${inner}; b++)`, () => {
          w.line(`base = a * ${length} * ${inner} + b;`);
          w.line("mx = -Infinity;");
          w.line(`for (i = 0; i < ${length}; i++) mx = Math.max(mx, ${x}[${at("i")}]);`);
          w.line("sum = 0;");
          w.line(`for (i = 0; i < ${length}; i++) sum += qexp(${x}[${at("i")}] - mx);`);
          w.line(`for (i = 0; i < ${length}; i++) ${y}[${at("i")}] = qexp(${x}[${at("i")}] - mx) / sum;`);
        });
      });
    },
  };
};

export default softmax;
