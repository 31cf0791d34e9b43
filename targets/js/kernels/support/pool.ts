import { poolGeometry } from "../../../shared/pool-geometry.js";
import type { KernelGenerator } from "../types.js";
import { convPlanes, shapeSpec } from "./shapes.js";

/**
 * A 2-D pool as compiler/ops/ai.onnx/MaxPool.ts and AveragePool.ts evaluate it: per output, the
 * window's taps inside the image in row-major order. Max takes the first such tap and then any
 * greater one (so a NaN first tap stays); Average sums in float64 and divides by the taps inside
 * the image, or with count_include_pad by the window positions inside the image and its pads.
 */
export function poolKernel(kind: "max" | "average"): KernelGenerator {
  return (env) => {
    const g = poolGeometry(env, kind === "max" ? "max_pool" : "average_pool");
    const [PT, PL, PB, PR] = g.pads;
    const includePad = kind === "average" && env.int("count_include_pad", 0) !== 0;
    const x = env.input(0, "x");
    const y = env.output(0, "y");
    const { H, W, OH, OW, HW, OHW } = convPlanes(env, g.xs, g.ys);
    const take = kind === "max" ? "if (n === 0 || v > acc) acc = v;" : "acc += v;";
    const result = kind === "max" ? "acc" : includePad ? "acc / (ch * cw)" : "acc / n";
    return {
      spec: `${g.spec}${includePad ? "_incpad" : ""}_${shapeSpec(g.xs)}`,
      body: (w) => {
        w.line("var p, oh, ow, kh, kw, ih, iw, xb, yb, acc, n, v, ch, cw, c;");
        w.block(`for (p = 0; p < ${g.planes}; p++)`, () => {
          w.line(`xb = p * ${HW};`);
          w.line(`yb = p * ${OHW};`);
          w.block(`for (oh = 0; oh < ${OH}; oh++)`, () => {
            if (includePad) {
              w.line("ch = 0;");
              w.block(`for (kh = 0; kh < ${g.KH}; kh++)`, () => {
                w.line(`c = oh * ${g.SH} - ${PT} + kh * ${g.DH};`);
                w.line(`if (c >= -${PT} && c < ${H} + ${PB}) ch++;`);
              });
            }
            w.block(`for (ow = 0; ow < ${OW}; ow++)`, () => {
              if (includePad) {
                w.line("cw = 0;");
                w.block(`for (kw = 0; kw < ${g.KW}; kw++)`, () => {
                  w.line(`c = ow * ${g.SW} - ${PL} + kw * ${g.DW};`);
                  w.line(`if (c >= -${PL} && c < ${W} + ${PR}) cw++;`);
                });
              }
              w.line(`acc = ${kind === "max" ? "-Infinity" : "0"};`);
              w.line("n = 0;");
              w.block(`for (kh = 0; kh < ${g.KH}; kh++)`, () => {
                w.line(`ih = oh * ${g.SH} - ${PT} + kh * ${g.DH};`);
                w.line(`if (ih < 0 || ih >= ${H}) continue;`);
                w.block(`for (kw = 0; kw < ${g.KW}; kw++)`, () => {
                  w.line(`iw = ow * ${g.SW} - ${PL} + kw * ${g.DW};`);
                  w.line(`if (iw < 0 || iw >= ${W}) continue;`);
                  w.line(`v = ${x}[xb + ih * ${W} + iw];`);
                  w.line(take);
                  w.line("n++;");
                });
              });
              w.line(`${y}[yb + oh * ${OW} + ow] = ${result};`);
            });
          });
        });
      },
    };
  };
}
