import { stridesOf } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { blockInput, blockShape } from "../support/blocks.js";
import { copyView } from "../support/strided.js";

/** [N, C, H, W] -> [N, C·b², H/b, W/b], the output channel read as (b1, b2, c). */
export default defineOp({
  type: "SpaceToDepth",
  since: 1,
  inputs: [1, 1],
  shape: ([x], ctx) => [blockShape(x, ctx, { channels: (c, b) => c * b * b, spatial: (d, b) => d / b })],
  evaluate: ([input], ctx) => {
    const { x, b } = blockInput(input, ctx);
    const [n, c, h, w] = x.shape;
    if (b < 1 || h % b !== 0 || w % b !== 0)
      throw ctx.error(`spatial size ${h}x${w} is not divisible by blocksize ${b}`);
    const [sn, sc, sh, sw] = stridesOf(x.shape);
    const view = { shape: [n, b, b, c, h / b, w / b], strides: [sn, sh, sw, sc, b * sh, b * sw], offset: 0 };
    return [copyView(x, view).reshape([n, c * b * b, h / b, w / b])];
  },
});
