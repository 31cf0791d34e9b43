import type { CodeWriter } from "../../../shared/code-writer.js";
import type { ResizeAxis, ResizeGeometry } from "../../../shared/resize-geometry.js";
import { literal } from "./elementwise.js";

/** Where one axis's taps go and the sizes it maps between, all as code. */
export interface AxisTaps {
  readonly axis: ResizeAxis;
  readonly inSize: string;
  readonly outSize: string;
  /** The scratch array and the offsets of the axis's weights and indices (`taps` per output index). */
  readonly table: string;
  readonly weights: string;
  readonly indices: string;
}

/** The locals `writeTaps` uses; declare them once per kernel. */
export const TAP_LOCALS = "o, sc, span, xc, fl, ratio, first, up, c0, c1, c2, c3, sum, t";

/** The source coordinate of output index `o`, as compiler/ops/support/resize.ts maps it. */
function coordinate(g: ResizeGeometry, inSize: string, outSize: string): string {
  switch (g.coordinateMode) {
    case "align_corners":
      return `span === 1 ? 0 : (o * (${inSize} - 1)) / (span - 1)`;
    case "asymmetric":
      return "o / sc";
    case "tf_half_pixel_for_nn":
      return "(o + 0.5) / sc";
    case "pytorch_half_pixel":
      return "span === 1 ? 0 : (o + 0.5) / sc - 0.5";
    case "half_pixel_symmetric":
      return `(${inSize} / 2) * (1 - ${outSize} / span) + (o + 0.5) / sc - 0.5`;
    case "half_pixel":
      return "(o + 0.5) / sc - 0.5";
  }
}

/** Whether nearest rounds up from the lower neighbour, given `ratio` in (0, 1]. */
const ROUNDS_UP = {
  round_prefer_floor: "ratio === 1 || ratio > 0.5",
  round_prefer_ceil: "ratio === 1 || ratio >= 0.5",
  floor: "ratio === 1",
  ceil: "true",
} as const;

/** Keys's cubic convolution kernel at `d` >= 0 into `c`, with the reference's coefficient a. */
function cubic(w: CodeWriter, c: string, d: string, a: number): void {
  w.line(`t = ${d};`);
  w.line(
    `${c} = t <= 1 ? ((${literal(a + 2)} * t - ${literal(a + 3)}) * t * t + 1) : ` +
      `t < 2 ? (((${literal(a)} * t - ${literal(5 * a)}) * t + ${literal(8 * a)}) * t - ${literal(4 * a)}) : 0;`,
  );
}

/**
 * Fills one axis's tap table: for every output index, `taps` weights (zero ones included, which the
 * kernels skip as the reference does) and the clamped source indices, in double arithmetic in the
 * reference's order of operations.
 */
export function writeTaps(w: CodeWriter, g: ResizeGeometry, a: AxisTaps): void {
  const n = g.taps;
  const coeffs = ["c0", "c1", "c2", "c3"].slice(0, n);
  w.line(`sc = ${a.axis.scale === null ? `${a.outSize} / ${a.inSize}` : literal(a.axis.scale)};`);
  // The reference maps with the unrounded resized length scale * in.
  w.line(`span = sc * ${a.inSize};`);
  w.block(`for (o = 0; o < ${a.outSize}; o++)`, () => {
    w.line(`xc = ${coordinate(g, a.inSize, a.outSize)};`);
    w.line("fl = Math.floor(xc);");
    // An exact integer coordinate is the right end of the interval below it.
    w.line("ratio = xc === fl ? 1 : xc - fl;");
    w.line(`first = (xc === fl ? xc - 1 : fl)${n === 4 ? " - 1" : ""};`);
    if (g.mode === "nearest") {
      w.line(`up = ${ROUNDS_UP[g.nearestMode]};`);
      w.line("c0 = up ? 0 : 1;");
      w.line("c1 = up ? 1 : 0;");
    } else if (g.mode === "linear") {
      w.line("c0 = 1 - ratio;");
      w.line("c1 = ratio;");
    } else {
      cubic(w, "c0", "1 + ratio", g.cubicA);
      cubic(w, "c1", "ratio", g.cubicA);
      cubic(w, "c2", "1 - ratio", g.cubicA);
      cubic(w, "c3", "2 - ratio", g.cubicA);
    }
    if (g.excludeOutside) {
      coeffs.forEach((c, k) => {
        w.line(`if (first + ${k} < 0 || first + ${k} >= ${a.inSize}) ${c} = 0;`);
      });
      w.line(`sum = 0 + ${coeffs.join(" + ")};`);
      for (const c of coeffs) w.line(`${c} /= sum;`);
    }
    coeffs.forEach((c, k) => {
      w.line(`${a.table}[${a.weights} + o * ${n} + ${k}] = ${c};`);
      w.line(`${a.table}[${a.indices} + o * ${n} + ${k}] = Math.min(${a.inSize} - 1, Math.max(0, first + ${k}));`);
    });
  });
}
