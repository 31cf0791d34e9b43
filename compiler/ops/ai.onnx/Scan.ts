import type { Dim, TypeInfo } from "../../ir/graph.js";
import { Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";
import { declaredShape, mergeTypes, normalizeAxis, sliceAlong, stackAlong } from "../support/iteration.js";

/** A per-input (or per-output) attribute list: absent means all zeros, otherwise one value each. */
function perItem(name: string, count: number, ctx: OpContext): readonly number[] {
  const values = ctx.attrs.ints(name, new Array<number>(count).fill(0));
  if (values.length !== count) throw ctx.error(`attribute '${name}' has ${values.length} values, expected ${count}`);
  return values;
}

function scanInputCount(total: number, ctx: OpContext): number {
  const m = ctx.attrs.int("num_scan_inputs");
  if (m < 1 || m > total) throw ctx.error(`attribute 'num_scan_inputs' is ${m}, expected 1 to ${total}`);
  return m;
}

/** Scan from opset 9: no batch dimension, per-input/output axes and directions. */
const scan9 = defineOp({
  type: "Scan",
  since: 9,
  inputs: [1, Number.POSITIVE_INFINITY],
  shape: (inputs, ctx) => {
    const body = ctx.attrs.graph("body");
    const m = scanInputCount(inputs.length, ctx);
    const n = inputs.length - m;
    const inAxes = perItem("scan_input_axes", m, ctx);
    const first = inputs[n]?.shape;
    const axis0 = first ? normalizeAxis(inAxes[0], first.length, "scan_input_axes", ctx) : 0;
    const length: Dim = first?.[axis0] ?? null;
    const outs = body.outputs.slice(n);
    const outAxes = perItem("scan_output_axes", outs.length, ctx);
    const states = inputs.slice(0, n).map((t, i) => mergeTypes(t, body.outputs[i]?.type));
    const scans = outs.map((o, k): TypeInfo => {
      const elem = o.type.shape;
      if (!elem) return { dtype: o.type.dtype };
      const axis = normalizeAxis(outAxes[k], elem.length + 1, "scan_output_axes", ctx);
      return { dtype: o.type.dtype, shape: [...elem.slice(0, axis), length, ...elem.slice(axis)] };
    });
    return [...states, ...scans];
  },
  evaluate: (inputs, ctx) => {
    const body = ctx.attrs.graph("body");
    const m = scanInputCount(inputs.length, ctx);
    const n = inputs.length - m;
    const given = inputs.map((t, i) => {
      if (!t) throw ctx.error(`input ${i} is missing`);
      return t;
    });
    const states = given.slice(0, n);
    const scanned = given.slice(n);
    const k = body.outputs.length - n;
    if (body.inputs.length !== n + m || k < 0) {
      throw ctx.error(
        `body has ${body.inputs.length} inputs and ${body.outputs.length} outputs, expected ${n + m} and at least ${n}`,
      );
    }
    const inAxes = scanned.map((t, j) =>
      normalizeAxis(perItem("scan_input_axes", m, ctx)[j], t.rank, "scan_input_axes", ctx),
    );
    const inReverse = perItem("scan_input_directions", m, ctx).map((d) => d !== 0);
    const outReverse = perItem("scan_output_directions", k, ctx).map((d) => d !== 0);
    const outAxes = perItem("scan_output_axes", k, ctx);
    const length = scanned[0].shape[inAxes[0]];
    scanned.forEach((t, j) => {
      if (t.shape[inAxes[j]] !== length) {
        throw ctx.error(
          `scan input ${j} has ${t.shape[inAxes[j]]} elements along its scan axis, scan input 0 has ${length}`,
        );
      }
    });
    const parts: Tensor[][] = Array.from({ length: k }, () => []);
    for (let t = 0; t < length; t++) {
      const slices = scanned.map((x, j) => sliceAlong(x, inAxes[j], inReverse[j] ? length - 1 - t : t));
      const outputs = ctx.runGraph(body, [...states, ...slices]);
      states.splice(0, n, ...outputs.slice(0, n));
      outputs.slice(n).forEach((y, i) => {
        parts[i].push(y);
      });
    }
    const scans = parts.map((list, i) => {
      const ordered = outReverse[i] ? [...list].reverse() : list;
      const rank = (list[0]?.rank ?? declaredShape(body, n + i).length) + 1;
      const axis = normalizeAxis(outAxes[i], rank, "scan_output_axes", ctx);
      const dtype = body.outputs[n + i].type.dtype ?? "float32";
      return stackAlong(ordered, axis, dtype, declaredShape(body, n + i), `scan output ${i}`, ctx);
    });
    return [...states, ...scans];
  },
});

/**
 * Scan-8: inputs (sequence_lens?, states..., scan inputs...) all carry a leading batch dimension,
 * scan inputs are [batch, sequence, ...]; each batch entry is scanned on its own for its own length,
 * and scan outputs are zero past that length.
 */
const scan8 = defineOp({
  type: "Scan",
  since: 8,
  until: 8,
  inputs: [2, Number.POSITIVE_INFINITY],
  shape: (inputs, ctx) => {
    const body = ctx.attrs.graph("body");
    const m = scanInputCount(inputs.length - 1, ctx);
    const n = inputs.length - 1 - m;
    const first = inputs[1 + n]?.shape;
    const states = inputs.slice(1, 1 + n).map((t): TypeInfo => ({ dtype: t?.dtype, shape: t?.shape }));
    const scans = body.outputs.slice(n).map(
      (o): TypeInfo => ({
        dtype: o.type.dtype,
        shape: o.type.shape ? [first?.[0] ?? null, first?.[1] ?? null, ...o.type.shape] : undefined,
      }),
    );
    return [...states, ...scans];
  },
  evaluate: (inputs, ctx) => {
    const body = ctx.attrs.graph("body");
    const [lens, ...rest] = inputs;
    const m = scanInputCount(rest.length, ctx);
    const n = rest.length - m;
    const given = rest.map((t, i) => {
      if (!t) throw ctx.error(`input ${i + 1} is missing`);
      return t;
    });
    const k = body.outputs.length - n;
    if (body.inputs.length !== n + m || k < 0) {
      throw ctx.error(
        `body has ${body.inputs.length} inputs and ${body.outputs.length} outputs, expected ${n + m} and at least ${n}`,
      );
    }
    const reverse = perItem("directions", m, ctx).map((d) => d !== 0);
    const scanned = given.slice(n);
    if (scanned.some((t) => t.rank < 2)) throw ctx.error("scan inputs must be [batch, sequence, ...]");
    const [batch, length] = scanned[0].shape;
    if (given.some((t) => t.shape[0] !== batch)) throw ctx.error(`inputs disagree on the batch size ${batch}`);
    if (scanned.some((t) => t.shape[1] !== length))
      throw ctx.error(`scan inputs disagree on the sequence length ${length}`);
    if (lens && lens.size !== batch) throw ctx.error(`sequence_lens has ${lens.size} values, expected ${batch}`);
    const finalStates: Tensor[][] = Array.from({ length: n }, () => []);
    const scanOut: Tensor[][] = Array.from({ length: k }, () => []);
    for (let b = 0; b < batch; b++) {
      const states = given.slice(0, n).map((t) => sliceAlong(t, 0, b));
      const sequences = scanned.map((t) => sliceAlong(t, 0, b));
      const steps = lens ? lens.values[b] : length;
      if (steps < 0 || steps > length) throw ctx.error(`sequence_lens[${b}] is ${steps}, expected 0 to ${length}`);
      const parts: Tensor[][] = Array.from({ length: k }, () => []);
      for (let t = 0; t < steps; t++) {
        const slices = sequences.map((x, j) => sliceAlong(x, 0, reverse[j] ? steps - 1 - t : t));
        const outputs = ctx.runGraph(body, [...states, ...slices]);
        states.splice(0, n, ...outputs.slice(0, n));
        outputs.slice(n).forEach((y, i) => {
          parts[i].push(y);
        });
      }
      states.forEach((s, i) => {
        finalStates[i].push(s);
      });
      parts.forEach((list, i) => {
        const elem = list[0]?.shape ?? declaredShape(body, n + i);
        const dtype = list[0]?.dtype ?? body.outputs[n + i].type.dtype ?? "float32";
        while (list.length < length) list.push(Tensor.zeros(dtype, elem));
        scanOut[i].push(stackAlong(list, 0, dtype, elem, `scan output ${i}`, ctx));
      });
    }
    const stackBatch = (list: Tensor[], i: number, what: string) =>
      stackAlong(list, 0, list[0]?.dtype ?? "float32", [], `${what} ${i}`, ctx);
    return [
      ...finalStates.map((l, i) => stackBatch(l, i, "state")),
      ...scanOut.map((l, i) => stackBatch(l, i, "scan output")),
    ];
  },
});

export default [scan8, scan9];
