import type { CodeWriter } from "../../../shared/code-writer.js";

/**
 * Copies a strided view of x into y in y's order: nested loops over `extents` (outermost first),
 * reading x at offset + sum(i_k * strides[k]). Extents and strides are code (literals or params).
 */
export function writeStridedCopy(
  w: CodeWriter,
  view: { x: string; y: string; extents: readonly string[]; strides: readonly string[]; offset: string },
): void {
  const counters = view.extents.map((_, k) => `i${k}`);
  w.line(`var ${["o = 0", ...counters].join(", ")};`);
  const terms = view.strides.flatMap((s, k) => (s === "0" ? [] : [s === "1" ? `i${k}` : `i${k} * ${s}`]));
  const index = [view.offset, ...terms].filter((t) => t !== "0").join(" + ") || "0";
  const nest = (k: number) => {
    if (k === view.extents.length) {
      w.line(`${view.y}[o++] = ${view.x}[${index}];`);
      return;
    }
    w.block(`for (i${k} = 0; i${k} < ${view.extents[k]}; i${k}++)`, () => nest(k + 1));
  };
  nest(0);
}
