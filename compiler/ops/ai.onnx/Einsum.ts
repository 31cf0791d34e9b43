import { stridesOf, Tensor } from "../../ir/tensor.js";
import { defineOp } from "../define.js";
import { type Label, parseEinsumEquation } from "../support/einsum.js";
import { sameDType } from "../support/elementwise.js";

export default defineOp({
  type: "Einsum",
  since: 12,
  inputs: [1, Number.POSITIVE_INFINITY],
  shape: (inputs, ctx) => {
    const dtype = sameDType(inputs, ctx);
    const shapes = inputs.map((t) => t?.shape);
    if (shapes.some((s) => s === undefined)) return [{ dtype }];
    const eq = parseEinsumEquation(
      ctx.attrs.string("equation"),
      shapes.map((s) => s?.length ?? 0),
      (why) => ctx.error(why),
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
    const eq = parseEinsumEquation(
      ctx.attrs.string("equation"),
      xs.map((x) => x.rank),
      (why) => ctx.error(why),
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
