import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";

export default defineOp({
  type: "Not",
  since: 1,
  inputs: [1, 1],
  shape: ([x]) => [{ dtype: "bool", shape: x?.shape }],
  evaluate: ([x], ctx) => {
    if (!x) throw ctx.error("missing input");
    if (x.dtype !== "bool") throw ctx.error(`input is ${x.dtype}, expected bool`);
    return [
      Tensor.from(
        "bool",
        x.shape,
        Array.from(x.values, (v) => (v ? 0 : 1)),
      ),
    ];
  },
});
