import { isStatic } from "../../../compiler/plan/kernel-plan.js";
import type { CodeWriter } from "../../shared/code-writer.js";
import { type PadMode, padGeometry } from "../../shared/data-movement.js";
import { stridesOf } from "./support/axes.js";
import { literal } from "./support/elementwise.js";
import { countOf, shapeSpec } from "./support/shapes.js";
import type { KernelGenerator } from "./types.js";

/** `i - k` as code, without a double minus. */
function shifted(i: string, k: number): string {
  return k === 0 ? i : k > 0 ? `${i} - ${k}` : `${i} + ${-k}`;
}

/**
 * Statements leaving in `s` the source coordinate of `c` on an axis of D elements, as the
 * reference maps it: -1 (the fill) outside in constant mode, the nearest end in edge mode, c modulo D
 * in wrap mode, and in reflect mode |c| folded into the period 2(D - 1), which also covers pads of D
 * or more.
 */
function sourceCoordinate(w: CodeWriter, mode: PadMode, c: string, D: string): void {
  w.line(`s = ${c};`);
  if (mode === "constant") w.line(`if (s < 0 || s >= ${D}) s = -1;`);
  else if (mode === "edge") w.line(`if (s < 0) s = 0; else if (s >= ${D}) s = ${D} - 1;`);
  else if (mode === "wrap") {
    w.block(`if (s < 0 || s >= ${D})`, () => w.line(`s %= ${D};`).line(`if (s < 0) s += ${D};`));
  } else {
    w.line("if (s < 0) s = -s;");
    const fixed = /^\d+$/.test(D) ? 2 * Number(D) - 2 : undefined;
    w.block(`if (s >= ${D})`, () => {
      if (fixed === 0) w.line("s = 0;");
      else if (fixed !== undefined) w.line(`s %= ${fixed};`).line(`if (s >= ${D}) s = ${fixed} - s;`);
      else w.line(`p = 2 * ${D} - 2;`).line("s = p > 0 ? s % p : 0;").line(`if (s >= ${D}) s = p - s;`);
    });
  }
}

/**
 * ONNX Pad (constant, reflect, edge, wrap; negative pads crop) as loops over the output: on each outer
 * axis the source coordinate once per step (a whole fill where constant mode falls outside), on the
 * last axis the begin pad, the copied run and the end pad apart.
 */
const pad: KernelGenerator = (env) => {
  const { xs, ys, mode, pads, fill } = padGeometry(env);
  const rank = xs.length;
  if (rank === 0) throw env.error("input is a scalar; expected at least one axis to pad");
  const last = rank - 1;
  const x = env.input(0, "x");
  const y = env.output(0, "y");
  const padded = pads.map(({ begin, end }) => begin > 0 || end > 0);
  const D = xs.map((d, k) => (k === last || padded[k] ? env.dim(d, `D${k}`) : ""));
  const X = stridesOf(env, xs, "X");
  // The last axis runs by its pads and D alone.
  const O = ys.slice(0, last).map((d, k) => env.dim(d, `O${k}`));
  // The elements one outside step of a padded axis fills, in constant mode.
  const R = ys.map((_, k) =>
    mode === "constant" && padded[k] && k < last ? countOf(env, ys.slice(k + 1), `R${k}`) : "",
  );
  const value = literal(fill);
  // The period of a reflection is a local only where the axis size is known at run time alone.
  const reflects = mode === "reflect" && padded.some((p, k) => p && !isStatic(xs[k]));
  const maps = padded.some((p, k) => p && (k < last || mode === "reflect" || mode === "wrap"));
  const locals = [
    "o = 0",
    "c",
    ...(mode === "constant" && padded.some(Boolean) ? ["j"] : []),
    ...(maps ? ["s"] : []),
    ...(reflects ? ["p"] : []),
    ...ys.slice(0, last).flatMap((_, k) => [`i${k}`, `r${k}`]),
  ];
  const lastRow = (w: CodeWriter, base: string) => {
    const at = (i: string) => (base === "0" ? i : `${base} + ${i}`);
    const { begin, end } = pads[last];
    const Dl = D[last];
    const region = (count: number, from: string, to: string, edge: string) => {
      if (mode === "constant") w.line(`for (j = 0; j < ${count}; j++) ${y}[o++] = ${value};`);
      else if (mode === "edge") w.line(`for (c = 0; c < ${count}; c++) ${y}[o++] = ${x}[${at(edge)}];`);
      else {
        w.block(`for (c = ${from}; c < ${to}; c++)`, () => {
          sourceCoordinate(w, mode, "c", Dl);
          w.line(`${y}[o++] = ${x}[${at("s")}];`);
        });
      }
    };
    if (begin > 0) region(begin, String(-begin), "0", "0");
    w.line(
      `for (c = ${Math.max(0, -begin)}; c < ${shifted(Dl, Math.max(0, -end))}; c++) ${y}[o++] = ${x}[${at("c")}];`,
    );
    if (end > 0) region(end, Dl, `${Dl} + ${end}`, `${Dl} - 1`);
  };
  const nest = (w: CodeWriter, k: number, base: string) => {
    if (k === last) {
      lastRow(w, base);
      return;
    }
    w.block(`for (i${k} = 0; i${k} < ${O[k]}; i${k}++)`, () => {
      let source = shifted(`i${k}`, pads[k].begin);
      if (padded[k]) {
        sourceCoordinate(w, mode, source, D[k]);
        if (mode === "constant") {
          w.block("if (s < 0)", () => {
            w.line(`for (j = 0; j < ${R[k]}; j++) ${y}[o++] = ${value};`);
            w.line("continue;");
          });
        }
        source = "s";
      }
      const factor = source.includes(" ") ? `(${source})` : source;
      const term = X[k] === "1" ? source : `${factor} * ${X[k]}`;
      w.line(`r${k} = ${base === "0" ? term : `${base} + ${term}`};`);
      nest(w, k + 1, `r${k}`);
    });
  };
  const amounts = pads
    .flatMap(({ begin, end }) => [begin, end])
    .join("_")
    .replace(/-/g, "n");
  return {
    spec: `pad_${shapeSpec(xs)}_${mode}_${amounts}${mode === "constant" ? `_v${value.replace(/\W/g, "_")}` : ""}`,
    body: (w) => {
      w.line(`var ${locals.join(", ")};`);
      nest(w, 0, "0");
    },
  };
};

export default pad;
