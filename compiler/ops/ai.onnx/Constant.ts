import { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";

const FORMS = ["value", "value_float", "value_floats", "value_int", "value_ints", "value_string", "value_strings"];

/** The one attribute that holds the value, in whichever of its forms the node uses. */
function value(ctx: OpContext): Tensor {
  const present = [...ctx.node.attrs.keys()];
  if (present.includes("sparse_value")) throw ctx.error("attribute 'sparse_value' (a sparse tensor) is not supported");
  const given = FORMS.filter((f) => present.includes(f));
  if (given.length !== 1) {
    throw ctx.error(
      `needs exactly one of the attributes ${FORMS.join(", ")}; has ${given.length ? given.join(", ") : "none"}`,
    );
  }
  const a = ctx.attrs;
  switch (given[0]) {
    case "value":
      return a.tensor("value");
    case "value_float":
      return Tensor.scalar("float32", a.float("value_float"));
    case "value_floats": {
      const v = a.floats("value_floats");
      return Tensor.from("float32", [v.length], v);
    }
    case "value_int":
      return Tensor.scalar("int64", a.int("value_int"));
    case "value_ints": {
      const v = a.ints("value_ints");
      return Tensor.from("int64", [v.length], v);
    }
    case "value_string":
      return new Tensor("string", [], [a.string("value_string")]);
    default: {
      const v = a.strings("value_strings");
      return new Tensor("string", [v.length], [...v]);
    }
  }
}

export default defineOp({
  type: "Constant",
  since: 1,
  inputs: [0, 0],
  shape: (_inputs, ctx) => {
    const t = value(ctx);
    return [{ dtype: t.dtype, shape: t.shape }];
  },
  evaluate: (_inputs, ctx) => [value(ctx)],
});
