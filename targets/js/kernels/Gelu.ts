import { unaryKernel } from "./support/elementwise.js";

export default unaryKernel("gelu", (env) => {
  const approximate = env.string("approximate", "none");
  if (approximate === "tanh") {
    return {
      expr: (v) => `0.5 * ${v} * (1 + qtanh(${Math.sqrt(2 / Math.PI)} * (${v} + 0.044715 * ${v} * ${v} * ${v})))`,
      helpers: ["qtanh"],
      variant: "tanh",
    };
  }
  if (approximate !== "none") throw env.error(`attribute 'approximate' is '${approximate}', expected 'none' or 'tanh'`);
  return { expr: (v) => `0.5 * ${v} * (1 + qerf(${v} / Math.SQRT2))`, helpers: ["qerf"] };
});
