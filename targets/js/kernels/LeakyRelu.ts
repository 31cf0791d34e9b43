import { literal, unaryKernel } from "./support/elementwise.js";

export default unaryKernel("leaky_relu", (env) => {
  const alpha = env.float("alpha", 0.01);
  return {
    expr: (v) => `${v} < 0 ? ${literal(alpha)} * ${v} : ${v}`,
    variant: `a${literal(alpha).replace(/\W/g, "_")}`,
  };
});
