import { DLS_LANES } from "../../../../compiler/quant/dls.js";
import type { CodeWriter } from "../../../shared/code-writer.js";
import { fround } from "../../runtime/math.js";

const LANES = Array.from({ length: DLS_LANES }, (_, k) => k);

/** ((l0 l1)(l2 l3))((l4 l5)(l6 l7)) of the lane variables `lane(k)`, by `op`. */
function tree(lane: (k: number) => string, op: (a: string, b: string) => string): string {
  const pair = (a: number) => op(lane(a), lane(a + 1));
  return op(op(pair(0), pair(2)), op(pair(4), pair(6)));
}

/**
 * for (i = 0; i + 8 <= n; i += 8), then the last n mod 8 elements: `body(k, index)` for lane k and
 * the element it takes, unrolled so that each lane's state is a variable of its own.
 */
function laneLoop(w: CodeWriter, i: string, n: string, body: (k: number, at: string) => string[]): void {
  const at = (k: number) => (k ? `${i} + ${k}` : i);
  w.block(`for (${i} = 0; ${i} + ${DLS_LANES} <= ${n}; ${i} += ${DLS_LANES})`, () => {
    for (const k of LANES) for (const line of body(k, at(k))) w.line(line);
  });
  for (const k of LANES.slice(0, -1)) {
    w.block(`if (${at(k)} < ${n})`, () => {
      for (const line of body(k, at(k))) w.line(line);
    });
  }
}

/**
 * ES5 code for DlsQuant's statistics of the `n` values of `x` in compiler/quant/dls.ts's lane order
 * (element i in lane i mod 8, lanes combined as a fixed tree): declares `<p>mu`, `<p>sd`, `<p>min`
 * and `<p>max`, bit-identical to the reference. Needs the f32, laneMin and laneMax helpers and `fr`
 * (runtime/math.ts's F32_ALIAS) declared.
 */
export function writeDlsStatistics(w: CodeWriter, x: string, n: string, p: string): void {
  const [i, v] = [`${p}i`, `${p}v`];
  const s = (k: number) => `${p}s${k}`;
  const [lo, hi] = [(k: number) => `${p}lo${k}`, (k: number) => `${p}hi${k}`];
  const sum = () => tree(s, (a, b) => `(${a} + ${b})`).slice(1, -1);
  w.line(`var ${i}, ${v}, ${LANES.map((k) => `${s(k)} = 0`).join(", ")};`);
  w.line(`var ${LANES.map((k) => `${lo(k)} = Infinity`).join(", ")};`);
  w.line(`var ${LANES.map((k) => `${hi(k)} = -Infinity`).join(", ")};`);
  laneLoop(w, i, n, (k, at) => [
    `${v} = ${x}[${at}];`,
    `${s(k)} += ${v};`,
    `if (${v} < ${lo(k)}) ${lo(k)} = ${v};`,
    `if (${v} > ${hi(k)}) ${hi(k)} = ${v};`,
  ]);
  w.line(`var ${p}min = ${tree(lo, (a, b) => `laneMin(${a}, ${b})`)};`);
  w.line(`var ${p}max = ${tree(hi, (a, b) => `laneMax(${a}, ${b})`)};`);
  w.line(`var ${p}mu = f32((${sum()}) / ${n});`);
  w.line(`${LANES.map((k) => s(k)).join(" = ")} = 0;`);
  laneLoop(w, i, n, (k, at) => [`${v} = ${fround(`${x}[${at}] - ${p}mu`)};`, `${s(k)} += ${v} * ${v};`]);
  w.line(`var ${p}sd = f32(Math.sqrt(f32(f32(${sum()}) / (${n} - 1))));`);
}
