import { stridesOf, Tensor } from "../../ir/tensor.js";
import { defineOp, type OpContext } from "../define.js";
import { sameDType } from "../support/elementwise.js";

/** A dim label: a letter, or "#k" for the k-th of the broadcast dims an ellipsis stands for. */
type Label = string;

interface Equation {
  readonly inputs: Label[][];
  readonly output: Label[];
}

/**
 * Parses the equation against the input ranks. Ellipsis dims are right-aligned across inputs (numpy
 * broadcasting); in implicit mode the output is the ellipsis dims then every letter used once, sorted.
 */
function parseEquation(equation: string, ranks: readonly number[], ctx: OpContext): Equation {
  const text = equation.replace(/\s+/g, "");
  const [lhs, rhs, ...rest] = text.split("->");
  if (rest.length > 0) throw ctx.error(`equation '${equation}' has more than one '->'`);
  const terms = lhs.split(",");
  if (terms.length !== ranks.length) {
    throw ctx.error(`equation '${equation}' names ${terms.length} operands, but ${ranks.length} inputs are given`);
  }
  const letters = (term: string, where: string) => {
    const parts = term.split("...");
    if (parts.length > 2) throw ctx.error(`equation '${equation}': ${where} has more than one ellipsis`);
    for (const p of parts) {
      if (!/^[A-Za-z]*$/.test(p))
        throw ctx.error(`equation '${equation}': ${where} has a character other than a letter`);
    }
    return { before: [...parts[0]], after: parts.length === 2 ? [...parts[1]] : undefined };
  };
  const parsed = terms.map((t, i) => letters(t, `operand ${i}`));
  const ellipsisRanks = parsed.map((p, i) => {
    const named = p.before.length + (p.after?.length ?? 0);
    const e = p.after ? ranks[i] - named : 0;
    if (e < 0 || (!p.after && named !== ranks[i])) {
      throw ctx.error(`equation '${equation}': operand ${i} names ${named} dims, but input ${i} has rank ${ranks[i]}`);
    }
    return e;
  });
  const ellipsisRank = Math.max(0, ...ellipsisRanks);
  const ellipsis = (e: number) => Array.from({ length: e }, (_, k) => `#${ellipsisRank - e + k}`);
  const inputs = parsed.map((p, i) => (p.after ? [...p.before, ...ellipsis(ellipsisRanks[i]), ...p.after] : p.before));
  if (rhs !== undefined) {
    const o = letters(rhs, "the output");
    const output = o.after ? [...o.before, ...ellipsis(ellipsisRank), ...o.after] : o.before;
    if (new Set(output).size !== output.length) throw ctx.error(`equation '${equation}': the output repeats a letter`);
    for (const l of output) {
      if (!inputs.some((t) => t.includes(l)))
        throw ctx.error(`equation '${equation}': output letter '${l}' is in no operand`);
    }
    return { inputs, output };
  }
  const counts = new Map<Label, number>();
  for (const t of inputs) for (const l of t) counts.set(l, (counts.get(l) ?? 0) + 1);
  const once = [...counts].filter(([l, n]) => n === 1 && !l.startsWith("#")).map(([l]) => l);
  return { inputs, output: [...ellipsis(ellipsisRank), ...once.sort()] };
}

export default defineOp({
  type: "Einsum",
  since: 12,
  inputs: [1, Number.POSITIVE_INFINITY],
  shape: (inputs, ctx) => {
    const dtype = sameDType(inputs, ctx);
    const shapes = inputs.map((t) => t?.shape);
    if (shapes.some((s) => s === undefined)) return [{ dtype }];
    const eq = parseEquation(
      ctx.attrs.string("equation"),
      shapes.map((s) => s?.length ?? 0),
      ctx,
    );
    const sizes = new Map<Label, number | string | null>();
    eq.inputs.forEach((t, i) => {
      t.forEach((l, k) => {
        const d = shapes[i]?.[k] ?? null;
        if (!sizes.has(l) || sizes.get(l) === 1) sizes.set(l, d);
      });
    });
    return [{ dtype, shape: eq.output.map((l) => sizes.get(l) ?? null) }];
  },
  evaluate: (inputs, ctx) => {
    const xs = inputs.map((t, i) => {
      if (!t) throw ctx.error(`missing input ${i}`);
      return t;
    });
    const dtype = sameDType(xs, ctx) ?? xs[0].dtype;
    const eq = parseEquation(
      ctx.attrs.string("equation"),
      xs.map((x) => x.rank),
      ctx,
    );
    const sizes = new Map<Label, number>();
    eq.inputs.forEach((t, i) => {
      t.forEach((l, k) => {
        const d = xs[i].shape[k];
        const seen = sizes.get(l);
        if (seen === undefined || seen === 1) sizes.set(l, d);
        else if (d !== seen && d !== 1) throw ctx.error(`label '${l}' has sizes ${seen} and ${d}`);
      });
    });
    const summed = [...sizes.keys()].filter((l) => !eq.output.includes(l));
    const labels = [...eq.output, ...summed];
    const extent = labels.map((l) => sizes.get(l) ?? 1);
    // Each input's stride per label: a repeated label sums its strides (a diagonal), a size-1 dim broadcasts.
    const strides = xs.map((x, i) => {
      const own = stridesOf(x.shape);
      return labels.map((l) => eq.inputs[i].reduce((s, m, k) => (m === l && x.shape[k] !== 1 ? s + own[k] : s), 0));
    });
    const values = xs.map((x) => x.values);
    const out = Tensor.zeros(
      dtype,
      eq.output.map((l) => sizes.get(l) ?? 1),
    );
    const o = out.values;
    const perOutput = summed.reduce((n, l) => n * (sizes.get(l) ?? 1), 1);
    const total = o.length * perOutput;
    const idx = new Array<number>(labels.length).fill(0);
    const offsets = new Array<number>(xs.length).fill(0);
    let acc = 0;
    for (let n = 0; n < total; n++) {
      let p = 1;
      for (let i = 0; i < xs.length; i++) p *= values[i][offsets[i]];
      acc += p;
      if ((n + 1) % perOutput === 0) {
        o[(n + 1) / perOutput - 1] = acc;
        acc = 0;
      }
      for (let k = labels.length - 1; k >= 0; k--) {
        const wrapped = ++idx[k] >= extent[k];
        for (let i = 0; i < xs.length; i++) offsets[i] += strides[i][k] * (wrapped ? 1 - extent[k] : 1);
        if (!wrapped) break;
        idx[k] = 0;
      }
    }
    return [out];
  },
});
