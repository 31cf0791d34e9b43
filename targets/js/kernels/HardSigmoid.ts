import { literal, unaryKernel } from "./support/elementwise.js";

export default unaryKernel("hard_sigmoid", (env) => {
  const alpha = literal(env.float("alpha", 0.2));
  const beta = literal(env.float("beta", 0.5));
  return {
    expr: (v) => `Math.max(0, Math.min(1, ${alpha} * ${v} + ${beta}))`,
    variant: `a${alpha}_b${beta}`.replace(/\W/g, "_"),
  };
});
