import { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";
import { relu } from "../support/activation.js";
import { readWindowAttrs, resolveWindow, windowOutputDims } from "../support/window.js";
import { inputTransform, outputTransform, SUB_KERNEL, subKernels, TILE_POSITIONS } from "../support/winograd.js";

/**
 * A float32 Conv Kh x Kw (kernel_shape, default [3, 3]), stride 1, dilation 1, group 1, as
 * Winograd F(2x2, 3x3) (support/winograd.ts) over a grid of gh x gw = ceil(Kh / 3) x ceil(Kw / 3)
 * 3x3 sub-kernels: x [N, C, H, W], the transformed weights U [16, C', M] of C' = C * gh * gw
 * virtual input channels (winogradWeights, compiler/passes/conv-winograd.ts), an optional bias [M];
 * explicit pads [top, left, bottom, right]. Virtual channel vc = (sy * gw + sx) * C + c is input
 * plane c read from an origin shifted by (3 sy, 3 sx). The output is covered by 2x2 tiles from its
 * top-left corner; the tile at output (2 ty, 2 tx) takes of virtual channel vc the 4x4 input at
 * rows 2 ty - top + 3 sy .. + 3 and columns 2 tx - left + 3 sx .. + 3 (zero outside the image),
 * transforms it (V = B^T d B), sums each of its 16 positions' U * V over the virtual channels in
 * ascending vc from +0 (sub-kernel by sub-kernel, each over its input channels in order),
 * transforms the sums back (A^T m A), adds the bias and, with activation "relu", takes max(y, 0)
 * (ONNX Relu's, fused by compiler/passes/conv-winograd.ts); a tile over the bottom or right edge
 * stores only its outputs inside the image. Every operation rounds to float32. The order differs
 * from Conv's, so results differ from Conv's within the bound that test/winograd-error.test.ts
 * derives and checks. Taps of the zero-padded sub-kernels multiply pixels past the kernel's
 * window by zero weights: the same values for finite inputs, NaN where such a pixel is infinite.
 */
export default defineOp({
  domain: "qmc",
  type: "WinogradConv",
  since: 1,
  inputs: [2, 3],
  shape: ([x, u], ctx) => {
    if (!x?.shape) return [{ dtype: "float32" }];
    const spatial = windowOutputDims(readWindowAttrs(ctx, kernelShape(ctx)), x.shape.slice(2));
    return [{ dtype: "float32", shape: [x.shape[0], u?.shape?.[2] ?? null, ...spatial] }];
  },
  evaluate: ([x, u, bias], ctx) => {
    if (x?.dtype !== "float32" || x.rank !== 4) throw ctx.error("input must be float32 [N, C, H, W]");
    const [n, c, h, w] = x.shape;
    const kernel = kernelShape(ctx);
    const [gh, gw] = subKernels(kernel);
    const cv = c * gh * gw;
    if (u?.dtype !== "float32" || u.rank !== 3 || u.shape[0] !== TILE_POSITIONS || u.shape[1] !== cv) {
      throw ctx.error(`transformed weights must be float32 [16, ${cv}, M], got [${u?.shape}]`);
    }
    const m = u.shape[2];
    if (bias && (bias.rank !== 1 || bias.shape[0] !== m))
      throw ctx.error(`bias has shape [${bias.shape}], expected [${m}]`);
    const activation = ctx.attrs.oneOf("activation", ACTIVATIONS, "none");
    const window = resolveWindow(readWindowAttrs(ctx, kernel), [h, w]);
    const [oh, ow] = window.outSize;
    const [pt, pl] = window.padsBegin;
    const tilesH = Math.ceil(oh / 2);
    const tilesW = Math.ceil(ow / 2);
    const xv = x.values;
    const uv = u.values;
    const out = new Float32Array(n * m * oh * ow);
    const d = new Float32Array(16);
    const v = new Float32Array(cv * TILE_POSITIONS);
    const mm = new Float32Array(TILE_POSITIONS);
    for (let img = 0; img < n; img++) {
      for (let ty = 0; ty < tilesH; ty++) {
        for (let tx = 0; tx < tilesW; tx++) {
          for (let vc = 0; vc < cv; vc++) {
            const ic = vc % c;
            const sub = (vc - ic) / c;
            const plane = (img * c + ic) * h * w;
            const r0 = 2 * ty - pt + 3 * Math.floor(sub / gw);
            const c0 = 2 * tx - pl + 3 * (sub % gw);
            for (let i = 0; i < 4; i++) {
              for (let j = 0; j < 4; j++) {
                const [r, col] = [r0 + i, c0 + j];
                d[4 * i + j] = r >= 0 && r < h && col >= 0 && col < w ? xv[plane + r * w + col] : 0;
              }
            }
            inputTransform(d, v, vc * TILE_POSITIONS);
          }
          for (let oc = 0; oc < m; oc++) {
            for (let t = 0; t < TILE_POSITIONS; t++) {
              let acc = 0;
              for (let vc = 0; vc < cv; vc++) {
                acc = Math.fround(acc + Math.fround(uv[(t * cv + vc) * m + oc] * v[vc * TILE_POSITIONS + t]));
              }
              mm[t] = acc;
            }
            const y = outputTransform(mm);
            const b = bias ? bias.values[oc] : 0;
            for (let i = 0; i < 2; i++) {
              for (let j = 0; j < 2; j++) {
                const r = 2 * ty + i;
                const col = 2 * tx + j;
                if (r < oh && col < ow) {
                  const value = bias ? Math.fround(y[2 * i + j] + b) : y[2 * i + j];
                  out[((img * m + oc) * oh + r) * ow + col] = activation === "relu" ? relu(value) : value;
                }
              }
            }
          }
        }
      }
    }
    return [new Tensor("float32", [n, m, oh, ow], out)];
  },
});

/** The activation attribute's values: none, or ONNX Relu after the bias. */
export const ACTIVATIONS = ["none", "relu"] as const;

/** The kernel_shape attribute: two sizes of at least 1. */
function kernelShape(ctx: OpContext): readonly number[] {
  const kernel = ctx.attrs.ints("kernel_shape", [SUB_KERNEL, SUB_KERNEL]);
  if (kernel.length !== 2 || kernel.some((k) => k < 1))
    throw ctx.error(`kernel_shape [${kernel}] is not two sizes >= 1`);
  return kernel;
}
