import { dtypeFromOnnx, onnxDTypeName } from "../../ir/dtype.js";
import { defineOp, type OpContext } from "../define.js";
import { castTensor } from "../support/cast.js";

function target(ctx: OpContext) {
  const code = ctx.attrs.int("to");
  const dtype = dtypeFromOnnx(code);
  if (!dtype) throw ctx.error(`attribute 'to' is ${onnxDTypeName(code)}, a type qmc does not hold`);
  return dtype;
}

// `saturate` (opset 19) only affects float8 targets, which qmc does not hold.
export default defineOp({
  type: "Cast",
  since: 6,
  inputs: [1, 1],
  shape: ([x], ctx) => [{ dtype: target(ctx), shape: x?.shape }],
  evaluate: ([x], ctx) => {
    if (!x) throw ctx.error("missing input");
    return [castTensor(x, target(ctx))];
  },
});
