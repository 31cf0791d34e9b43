import { f64UnaryKernel } from "./support/f64-pairs.js";

// max(0, min(1, alpha * x + beta)) in the js target's order.
export default f64UnaryKernel("hard_sigmoid", (env) => {
  const alpha = env.scalar(env.float("alpha", 0.2));
  const beta = env.scalar(env.float("beta", 0.5));
  return (o, x) => o.max(o.c(0), o.min(o.c(1), o.add(o.mul(o.of(alpha()), x()), o.of(beta()))));
});
