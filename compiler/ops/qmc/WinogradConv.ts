import { Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { readWindowAttrs, resolveWindow, windowOutputDims } from "../support/window.js";
import { inputTransform, outputTransform, TILE_POSITIONS } from "../support/winograd.js";

const KERNEL = [3, 3];

/**
 * A float32 Conv 3x3, stride 1, dilation 1, group 1, as Winograd F(2x2, 3x3) (support/winograd.ts):
 * x [N, C, H, W], the transformed weights U [16, C, M] (G g G^T, compiler/passes/conv-winograd.ts),
 * an optional bias [M]; explicit pads [top, left, bottom, right]. The output is covered by 2x2
 * tiles from its top-left corner; each tile's 4x4 input (zero outside the image) is transformed
 * (V = B^T d B), each of its 16 positions sums U * V over the input channels in ascending order
 * from +0, the sums are transformed back (A^T m A), and the bias is added; a tile over the
 * bottom or right edge stores only its outputs inside the image. Every operation rounds to
 * float32. The order differs from Conv's, so results differ from Conv's within the bound that
 * test/winograd-error.test.ts derives and checks.
 */
export default defineOp({
  domain: "qmc",
  type: "WinogradConv",
  since: 1,
  inputs: [2, 3],
  shape: ([x, u], ctx) => {
    if (!x?.shape) return [{ dtype: "float32" }];
    const spatial = windowOutputDims(readWindowAttrs(ctx, KERNEL), x.shape.slice(2));
    return [{ dtype: "float32", shape: [x.shape[0], u?.shape?.[2] ?? null, ...spatial] }];
  },
  evaluate: ([x, u, bias], ctx) => {
    if (x?.dtype !== "float32" || x.rank !== 4) throw ctx.error("input must be float32 [N, C, H, W]");
    const [n, c, h, w] = x.shape;
    if (u?.dtype !== "float32" || u.rank !== 3 || u.shape[0] !== TILE_POSITIONS || u.shape[1] !== c) {
      throw ctx.error(`transformed weights must be float32 [16, ${c}, M], got [${u?.shape}]`);
    }
    const m = u.shape[2];
    if (bias && (bias.rank !== 1 || bias.shape[0] !== m))
      throw ctx.error(`bias has shape [${bias.shape}], expected [${m}]`);
    const window = resolveWindow(readWindowAttrs(ctx, KERNEL), [h, w]);
    const [oh, ow] = window.outSize;
    const [pt, pl] = window.padsBegin;
    const tilesH = Math.ceil(oh / 2);
    const tilesW = Math.ceil(ow / 2);
    const xv = x.values;
    const uv = u.values;
    const out = new Float32Array(n * m * oh * ow);
    const d = new Float32Array(16);
    const v = new Float32Array(c * TILE_POSITIONS);
    const mm = new Float32Array(TILE_POSITIONS);
    for (let img = 0; img < n; img++) {
      for (let ty = 0; ty < tilesH; ty++) {
        for (let tx = 0; tx < tilesW; tx++) {
          for (let ic = 0; ic < c; ic++) {
            const plane = (img * c + ic) * h * w;
            for (let i = 0; i < 4; i++) {
              for (let j = 0; j < 4; j++) {
                const r = 2 * ty - pt + i;
                const col = 2 * tx - pl + j;
                d[4 * i + j] = r >= 0 && r < h && col >= 0 && col < w ? xv[plane + r * w + col] : 0;
              }
            }
            inputTransform(d, v, ic * TILE_POSITIONS);
          }
          for (let oc = 0; oc < m; oc++) {
            for (let t = 0; t < TILE_POSITIONS; t++) {
              let acc = 0;
              for (let ic = 0; ic < c; ic++) {
                acc = Math.fround(acc + Math.fround(uv[(t * c + ic) * m + oc] * v[ic * TILE_POSITIONS + t]));
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
                  const value = y[2 * i + j];
                  out[((img * m + oc) * oh + r) * ow + col] = bias ? value + b : value;
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
