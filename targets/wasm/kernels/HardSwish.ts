import { f64UnaryKernel } from "./support/f64-pairs.js";

// x * max(0, min(1, x / 6 + 0.5)) in the js target's order (a divide, as the reference has it).
export default f64UnaryKernel(
  "hard_swish",
  () => (o, x) => o.mul(x(), o.max(o.c(0), o.min(o.c(1), o.add(o.div(x(), o.c(6)), o.c(0.5))))),
);
