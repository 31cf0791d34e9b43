import { wxGeometry, xwGeometry } from "../../shared/matmul-geometry.js";
import { productDim } from "../../shared/sym.js";
import type { Ex } from "../binaryen.js";
import { activationQuant } from "./support/activation-quant.js";
import { quantizeAll } from "./support/codes.js";
import { Accumulators, FloatEpilogue, weightParams } from "./support/integer-epilogue.js";
import { LaneSums } from "./support/lane-sums.js";
import { relaxedWeights } from "./support/relaxed-dot.js";
import { wxColumns, wxScratch } from "./support/wx-columns.js";
import { xwRows, xwScratch } from "./support/xw-rows.js";
import type { WasmKernelGenerator } from "./types.js";

/**
 * Integer matmul (qmc.QMatMul) of a quantized activation and constant weight codes: Y = X @ W
 * (weight_first 0; W is [K, N]) or Y = W @ X (weight_first 1; W is [..., M, K] broadcast against
 * X [..., K, L] over static batch dims). Exact i32 sums, then the js target's float epilogue. With
 * SIMD, four outputs along the contiguous output axis (N or L) are summed at once, one per lane, and
 * the remainder one by one.
 */
const qmatmul: WasmKernelGenerator = (env) => {
  const xs = env.inputShape(0);
  const ws = env.inputShape(1);
  const first = env.int("weight_first", 0) !== 0;
  const x = env.input(0);
  const wt = env.input(1, "i8");
  const y = env.output(0);
  const epilogue = new FloatEpilogue(env, first ? -2 : -1, 2);
  const total = productDim(xs);
  if (!total) throw env.error("the input's size is not a polynomial in h and w");
  const n = env.count(xs);
  const bits = `a${env.int("x_bits")}w${env.int("w_bits")}`;
  const f = env.fn;
  const m = f.m;
  if (!first) {
    const { K, N, rows: rowCount } = xwGeometry(env, xs, ws);
    const R = env.dim(rowCount);
    const relaxed = relaxedWeights(env, K, N);
    const wide = env.isa !== "mvp";
    const codes = env.scratch(wide ? xwScratch(total, N, K) : total, relaxed ? "i8" : "i16");
    const quant = activationQuant(env, x, n);
    const { aw, bw } = weightParams(env, N);
    const [r, j, k, q, qw] = [0, 1, 2, 3, 4].map(() => f.i32Local());
    const v = f.f64Local();
    const sums = new Accumulators(f, quant);
    const rows = wide
      ? xwRows(env, {
          quant,
          K,
          N,
          codes,
          wt,
          relaxed,
          codeCount: n,
          aw,
          bw,
          finish: (value, col, index) => [epilogue.store(y, index, col, value.get())],
          finishPairs: (values, col, index) =>
            epilogue.storePairs(
              y,
              index,
              col,
              false,
              values.map((v) => v.get()),
            ),
        })
      : undefined;
    return {
      spec: `qmatmul_k${K}_n${N}_${bits}${relaxed ? "_relaxed" : rows ? "_simd" : ""}`,
      body: rows
        ? [...quant.setup, ...rows.setup, ...quantizeAll(env, quant, x, codes, n), ...rows.rows(R)]
        : [
            ...quant.setup,
            ...quantizeAll(env, quant, x, codes, n),
            f.for(r, f.i32(0), R, [
              f.for(j, relaxed ? j.get() : f.i32(0), () => f.i32(N), [
                ...sums.reset(),
                f.for(k, f.i32(0), () => f.i32(K), [
                  q.set(f.load(codes, f.add(f.mul(r.get(), f.i32(K)), k.get()))),
                  qw.set(f.load(wt, f.add(f.mul(k.get(), f.i32(N)), j.get()))),
                  ...sums.add(q, qw),
                ]),
                ...sums.epilogue(v, () => aw(j.get()), bw && (() => bw(j.get()))),
                epilogue.store(y, f.add(f.mul(r.get(), f.i32(N)), j.get()), j.get, v.get()),
              ]),
            ]),
          ],
    };
  }
  const { M, K, wBatch, count, wi, xi } = wxGeometry(env, xs, ws);
  const L = env.dim(xs[xs.length - 1]);
  const wide = env.isa !== "mvp" && env.string("x_mode", "dls") !== "dls";
  const codes = env.scratch(wide ? wxScratch(total, M, K) : total, "i16");
  const quant = activationQuant(env, x, n);
  const { aw, bw } = weightParams(env, M);
  if (wide) {
    const columns = wxColumns(env, {
      quant,
      M,
      K,
      L,
      codes,
      codeCount: n,
      wt,
      weightCount: wBatch.reduce((a, b) => a * b, M * K),
      aw,
      bw,
      finish: (value, row, index) => [epilogue.store(y, index, row.get, value.get())],
      finishPairs: (values, row, index) =>
        epilogue.storePairs(
          y,
          index,
          row.get,
          true,
          values.map((v) => v.get()),
        ),
    });
    return {
      spec: `qmatmul_wx_m${M}_k${K}_b${count}_${bits}_simd`,
      body: [
        ...columns.setup,
        ...quant.setup,
        ...quantizeAll(env, quant, x, codes, n),
        ...Array.from({ length: count }, (_, t) =>
          columns.batch({
            xBase: () => m.i32.mul(L(), f.i32(xi(t) * K)),
            wBase: wi(t) * M * K,
            yRow: (row) => m.i32.mul(f.add(row, f.i32(t * M)), L()),
          }),
        ).flat(),
      ],
    };
  }
  const [mm, l, k, q, qw, xb] = [0, 1, 2, 3, 4, 5].map(() => f.i32Local());
  const v = f.f64Local();
  const sums = new Accumulators(f, quant);
  const lanes = env.isa !== "mvp" ? new LaneSums(f, quant, sums) : undefined;
  const weightAt = (t: number) => f.add(f.mul(mm.get(), f.i32(K)), k.get(), f.i32(wi(t) * M * K));
  const vector = (t: number): Ex[] =>
    lanes
      ? [
          f.for(
            l,
            f.i32(0),
            () => m.i32.sub(L(), f.i32(3)),
            [
              ...lanes.reset(),
              f.for(k, f.i32(0), () => f.i32(K), [
                ...lanes.add(
                  m.v128.load16x4_s(0, 2, f.addr(codes, f.add(xb.get(), f.mul(k.get(), L()), l.get()))),
                  m.i32x4.splat(f.load(wt, weightAt(t))),
                ),
              ]),
              ...[0, 1, 2, 3].flatMap((i) => [
                ...lanes.lane(i),
                ...sums.epilogue(v, () => aw(mm.get()), bw && (() => bw(mm.get()))),
                epilogue.store(
                  y,
                  f.add(m.i32.mul(f.add(mm.get(), f.i32(t * M)), L()), l.get(), f.i32(i)),
                  mm.get,
                  v.get(),
                ),
              ]),
            ],
            4,
          ),
        ]
      : [];
  const perBatch = (t: number): Ex[] => [
    xb.set(f.mul(L(), f.i32(xi(t) * K))),
    f.for(mm, f.i32(0), () => f.i32(M), [
      ...vector(t),
      f.for(l, lanes ? l.get() : f.i32(0), L, [
        ...sums.reset(),
        f.for(k, f.i32(0), () => f.i32(K), [
          q.set(f.load(codes, f.add(xb.get(), f.mul(k.get(), L()), l.get()))),
          qw.set(f.load(wt, weightAt(t))),
          ...sums.add(q, qw),
        ]),
        ...sums.epilogue(v, () => aw(mm.get()), bw && (() => bw(mm.get()))),
        epilogue.store(y, f.add(m.i32.mul(f.add(mm.get(), f.i32(t * M)), L()), l.get()), mm.get, v.get()),
      ]),
    ]),
  ];
  return {
    spec: `qmatmul_wx_m${M}_k${K}_b${count}_${bits}${lanes ? "_simd" : ""}`,
    body: [
      ...quant.setup,
      ...(lanes?.setup ?? []),
      ...quantizeAll(env, quant, x, codes, n),
      ...Array.from({ length: count }, (_, t) => perBatch(t)).flat(),
    ],
  };
};

export default qmatmul;
