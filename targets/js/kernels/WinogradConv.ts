import { TILE_POSITIONS } from "../../../compiler/ops/support/winograd.js";
import { kernelSpec, WINOGRAD_TILES, winogradGeometry } from "../../shared/winograd-geometry.js";
import { convPlanes } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/**
 * qmc.WinogradConv (compiler/ops/qmc/WinogradConv.ts), its reference's float32 steps in its order:
 * the output's 2x2 tiles, numbered row by row, go WINOGRAD_TILES at a time through three loops
 * over scratch: each tile's input transform for every virtual input channel (each 3x3 sub-kernel's
 * shifted origin, each input channel) into v [16, CV, tiles], the 16 positions' sums over virtual
 * channels into mm [16, M, tiles], and the output transform, bias, fused Relu and store of
 * every output channel's tiles. `f32` rounds each operation; v, mm and the transform's
 * first half `s` are Float32Arrays, so their stores round too.
 */
const winogradConv: KernelGenerator = (env) => {
  const { xs, ys, N, C, CV, GH, GW, M, kernel, pads, relu } = winogradGeometry(env);
  const [PT, PL] = pads;
  const T = WINOGRAD_TILES;
  const CT = CV * T;
  const MT = M * T;
  const x = env.input(0, "x");
  const u = env.input(1, "u");
  const bias = env.has(2) ? env.input(2, "bias") : undefined;
  const y = env.output(0, "y");
  const { H, W, OH, OW, HW, OHW } = convPlanes(env, xs, ys);
  // Float64 elements holding v and mm as float32.
  const scratch = env.scratch({ c: (TILE_POSITIONS * (CT + MT)) / 2, h: 0, w: 0, hw: 0 }, "scratch");
  const padSpec = new Set(pads).size === 1 ? `p${PT}` : `p${pads.join("_")}`;
  return {
    spec: `winograd_conv_c${C}_o${M}${kernelSpec(kernel)}_${padSpec}${bias ? "" : "_nobias"}${relu ? "_relu" : ""}`,
    helpers: ["f32"],
    body: (w) => {
      w.line(`var v = new Float32Array(${scratch}.buffer, 0, ${TILE_POSITIONS * CT});`);
      w.line(`var mm = new Float32Array(${scratch}.buffer, ${4 * TILE_POSITIONS * CT}, ${TILE_POSITIONS * MT});`);
      w.line("var d = new Float32Array(16), s = new Float32Array(16);");
      w.line(`var tilesW = (${OW} + 1) >> 1, tiles = ((${OH} + 1) >> 1) * tilesW;`);
      w.line(
        "var n, k0, kn, k, q, ty, tx, r0, c0, sy, sx, vb, ic, oc, i, j, r, c, xb, at, acc, b, y00, y01, y10, y11, yb;",
      );
      w.block(`for (n = 0; n < ${N}; n++)`, () => {
        w.block(`for (k0 = 0; k0 < tiles; k0 += ${T})`, () => {
          w.line(`kn = Math.min(${T}, tiles - k0);`);
          w.line("// V = B^T d B of every virtual input channel's 4x4 tile (zero outside the image).");
          w.block("for (k = 0; k < kn; k++)", () => {
            w.line("ty = ((k0 + k) / tilesW) | 0;");
            // Sub-kernel (sy, sx) reads from an origin 3 sy rows down and 3 sx columns right.
            const subKernelLoops = (body: () => void) => {
              if (GH * GW === 1) {
                w.line(`r0 = 2 * ty - ${PT};`);
                w.line(`c0 = 2 * (k0 + k - ty * tilesW) - ${PL};`);
                w.line("vb = 0;");
                body();
                return;
              }
              w.block(`for (sy = 0; sy < ${GH}; sy++)`, () => {
                w.block(`for (sx = 0; sx < ${GW}; sx++)`, () => {
                  w.line(`r0 = 2 * ty - ${PT} + 3 * sy;`);
                  w.line(`c0 = 2 * (k0 + k - ty * tilesW) - ${PL} + 3 * sx;`);
                  w.line(`vb = (sy * ${GW} + sx) * ${C};`);
                  body();
                });
              });
            };
            subKernelLoops(() => {
              w.block(`for (ic = 0; ic < ${C}; ic++)`, () => {
                w.line(`xb = (n * ${C} + ic) * ${HW};`);
                w.block("for (i = 0; i < 4; i++)", () => {
                  w.line("r = r0 + i;");
                  w.block("for (j = 0; j < 4; j++)", () => {
                    w.line("c = c0 + j;");
                    w.line(`d[4 * i + j] = r >= 0 && r < ${H} && c >= 0 && c < ${W} ? ${x}[xb + r * ${W} + c] : 0;`);
                  });
                });
                w.block("for (j = 0; j < 4; j++)", () => {
                  w.line("s[j] = d[j] - d[8 + j];");
                  w.line("s[4 + j] = d[4 + j] + d[8 + j];");
                  w.line("s[8 + j] = d[8 + j] - d[4 + j];");
                  w.line("s[12 + j] = d[4 + j] - d[12 + j];");
                });
                w.line(`at = (vb + ic) * ${T} + k;`);
                w.block("for (i = 0; i < 4; i++)", () => {
                  w.line(`v[4 * i * ${CT} + at] = s[4 * i] - s[4 * i + 2];`);
                  w.line(`v[(4 * i + 1) * ${CT} + at] = s[4 * i + 1] + s[4 * i + 2];`);
                  w.line(`v[(4 * i + 2) * ${CT} + at] = s[4 * i + 2] - s[4 * i + 1];`);
                  w.line(`v[(4 * i + 3) * ${CT} + at] = s[4 * i + 1] - s[4 * i + 3];`);
                });
              });
            });
          });
          w.line("// Each position's products, summed over the virtual input channels in order.");
          w.block(`for (q = 0; q < ${TILE_POSITIONS}; q++)`, () => {
            w.block(`for (oc = 0; oc < ${M}; oc++)`, () => {
              w.block("for (k = 0; k < kn; k++)", () => {
                w.line("acc = 0;");
                w.block(`for (ic = 0; ic < ${CV}; ic++)`, () => {
                  w.line(`acc = f32(acc + f32(${u}[(q * ${CV} + ic) * ${M} + oc] * v[(q * ${CV} + ic) * ${T} + k]));`);
                });
                w.line(`mm[(q * ${M} + oc) * ${T} + k] = acc;`);
              });
            });
          });
          w.line("// Y = A^T m A, the bias, and the tile's outputs inside the image.");
          w.block(`for (oc = 0; oc < ${M}; oc++)`, () => {
            if (bias) w.line(`b = ${bias}[oc];`);
            w.block("for (k = 0; k < kn; k++)", () => {
              w.line(`at = oc * ${T} + k;`);
              w.block("for (j = 0; j < 4; j++)", () => {
                const mAt = (row: number) => `mm[(${row} + j) * ${MT} + at]`;
                w.line(`s[j] = f32(${mAt(0)} + ${mAt(4)}) + ${mAt(8)};`);
                w.line(`s[4 + j] = f32(${mAt(4)} - ${mAt(8)}) - ${mAt(12)};`);
              });
              w.line("y00 = f32(f32(s[0] + s[1]) + s[2]);");
              w.line("y01 = f32(f32(s[1] - s[2]) - s[3]);");
              w.line("y10 = f32(f32(s[4] + s[5]) + s[6]);");
              w.line("y11 = f32(f32(s[5] - s[6]) - s[7]);");
              if (bias) w.line("y00 = f32(y00 + b); y01 = f32(y01 + b); y10 = f32(y10 + b); y11 = f32(y11 + b);");
              if (relu) {
                w.line(
                  "y00 = Math.max(y00, 0); y01 = Math.max(y01, 0); y10 = Math.max(y10, 0); y11 = Math.max(y11, 0);",
                );
              }
              w.line("ty = ((k0 + k) / tilesW) | 0;");
              w.line("tx = k0 + k - ty * tilesW;");
              w.line(`yb = (n * ${M} + oc) * ${OHW} + 2 * ty * ${OW} + 2 * tx;`);
              w.line(`${y}[yb] = y00;`);
              w.line(`if (2 * tx + 1 < ${OW}) ${y}[yb + 1] = y01;`);
              w.block(`if (2 * ty + 1 < ${OH})`, () => {
                w.line(`${y}[yb + ${OW}] = y10;`);
                w.line(`if (2 * tx + 1 < ${OW}) ${y}[yb + ${OW} + 1] = y11;`);
              });
            });
          });
        });
      });
    },
  };
};

export default winogradConv;
