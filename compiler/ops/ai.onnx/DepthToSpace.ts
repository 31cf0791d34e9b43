import { stridesOf } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { blockInput, blockShape } from "../support/blocks.js";
import { copyView } from "../support/strided.js";

/**
 * [N, C, H, W] -> [N, C/b², H·b, W·b]. DCR reads the channel as (b1, b2, c), CRD as (c, b1, b2); both
 * are a 6-D view of the input read in output order.
 */
export default defineOp({
  type: "DepthToSpace",
  since: 1,
  inputs: [1, 1],
  shape: ([x], ctx) => [blockShape(x, ctx, { channels: (c, b) => c / (b * b), spatial: (d, b) => d * b })],
  evaluate: ([input], ctx) => {
    const { x, b } = blockInput(input, ctx);
    const mode = ctx.opset >= 11 ? ctx.attrs.oneOf("mode", ["DCR", "CRD"], "DCR") : "DCR";
    const [n, c, h, w] = x.shape;
    if (b < 1 || c % (b * b) !== 0) throw ctx.error(`channels ${c} are not divisible by blocksize² (${b}²)`);
    const oc = c / (b * b);
    const [sn, sc, sh, sw] = stridesOf(x.shape);
    // Channel strides of the block offsets (b1 along H, b2 along W) and of the output channel.
    const [s1, s2, so] = mode === "DCR" ? [b * oc * sc, oc * sc, sc] : [b * sc, sc, b * b * sc];
    const view = { shape: [n, oc, h, b, w, b], strides: [sn, so, sh, s1, sw, s2], offset: 0 };
    return [copyView(x, view).reshape([n, oc, h * b, w * b])];
  },
});
