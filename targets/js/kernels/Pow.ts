import { binaryKernel } from "./support/elementwise.js";

export default binaryKernel("pow", (env) => {
  const exponent = env.constant(1);
  // Squaring is the common case (variance, GELU-tanh graphs); it needs neither pow nor a helper.
  if (exponent?.length === 1 && exponent[0] === 2) return { expr: (a) => `${a} * ${a}`, variant: "sq" };
  return { expr: (a, b) => `powc(${a}, ${b})`, helpers: ["powc"] };
});
