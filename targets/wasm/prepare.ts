import type { SymDim } from "../../compiler/plan/kernel-plan.js";
import { ABI_ERRORS } from "../js/module.js";
import type { Binaryen, Ex, WasmModule } from "./binaryen.js";
import { Fn, type Local } from "./dsl.js";
import type { Layout } from "./layout.js";

/** The global that says the weights are unpacked and the derived tables filled. */
export const WEIGHTS_READY = "weights_ready";
/** The most linear memory a wasm32 module can have. */
const MAX_BYTES = 65536 * 65536;

/**
 * qmc_prepare(h, w) and the functions it calls: sizes from h and w (in i64, so no size wraps), the
 * greedy placement of compiler/plan/memory.ts with its tie-breaks, memory.grow, the one-time unpacking
 * of 2- and 4-bit weight codes and filling of the kernels' derived tables, then the buffer addresses
 * in globals.
 */
export function addPrepare(b: Binaryen, m: WasmModule, layout: Layout): void {
  addPlaceBuffers(b, m, layout);
  if (layout.unpacked.length) addUnpackWeights(b, m, layout);
  const f = new Fn(b, m);
  const h = f.param(b.i32);
  const w = f.param(b.i32);
  const v = f.local(b.i64);
  const total = f.local(b.i64);
  const pages = f.i32Local();
  const i = f.i32Local();
  const plan = layout.plan;
  // The plan's sizes count units of sizeMultiple pixels (the size test below makes them whole).
  const { h: mh, w: mw } = plan.model.sizeMultiple;
  const i64 = (n: number) => m.i64.const(BigInt(n));
  const units = (x: Local, k: number) =>
    k === 1 ? m.i64.extend_s(x.get()) : m.i64.div_u(m.i64.extend_s(x.get()), i64(k));
  const H = () => units(h, mh);
  const W = () => units(w, mw);
  const dimValue = (d: SymDim): Ex =>
    [i64(d.c), m.i64.mul(i64(d.h), H()), m.i64.mul(i64(d.w), W()), m.i64.mul(m.i64.mul(i64(d.hw), H()), W())].reduce(
      (a, t) => m.i64.add(a, t),
    );
  const body: Ex[] = [
    m.global.set("prepared", f.i32(0)),
    f.if(
      m.i32.or(
        m.i32.or(m.i32.lt_s(h.get(), f.i32(1)), m.i32.lt_s(w.get(), f.i32(1))),
        m.i32.or(m.i32.gt_s(h.get(), f.i32(65536)), m.i32.gt_s(w.get(), f.i32(65536))),
      ),
      [m.return(f.i32(ABI_ERRORS.badSize))],
    ),
  ];
  const { h: fixedH, w: fixedW } = plan.model.inputSize;
  const unlike = [
    fixedH === null ? null : m.i32.ne(h.get(), f.i32(fixedH)),
    fixedW === null ? null : m.i32.ne(w.get(), f.i32(fixedW)),
    mh === 1 ? null : m.i32.rem_u(h.get(), f.i32(mh)),
    mw === 1 ? null : m.i32.rem_u(w.get(), f.i32(mw)),
  ].filter((t): t is Ex => t !== null);
  if (unlike.length)
    body.push(
      f.if(
        unlike.reduce((a, t) => m.i32.or(a, t)),
        [m.return(f.i32(ABI_ERRORS.badSize))],
      ),
    );
  for (const [name, d] of layout.dims) {
    body.push(
      v.set(dimValue(d)),
      f.if(m.i64.lt_s(v.get(), i64(1)), [m.return(f.i32(ABI_ERRORS.badSize))]),
      f.if(m.i64.gt_s(v.get(), i64(0x7fffffff)), [m.return(f.i32(ABI_ERRORS.outOfMemory))]),
      m.global.set(name, m.i32.wrap(v.get())),
    );
  }
  const t = layout.tables;
  /** The address of entry i of a table of 2^shift-byte entries. */
  const entry = (table: number, shift: number) => m.i32.add(f.i32(table), m.i32.shl(i.get(), f.i32(shift)));
  layout.sizeClasses.forEach((c, k) => {
    const size = c.dims.reduce((a, d) => m.i64.mul(a, m.i64.extend_u(layout.dimGlobal(d)())), m.i64.const(c.factor));
    body.push(
      v.set(size),
      f.if(m.i64.gt_u(v.get(), i64(MAX_BYTES)), [m.return(f.i32(ABI_ERRORS.outOfMemory))]),
      m.i64.store(0, 8, f.i32(t.classSizes + 8 * k), v.get()),
    );
  });
  body.push(
    f.for(i, f.i32(0), () => f.i32(plan.buffers.length), [
      m.i64.store(
        0,
        8,
        entry(t.sizes, 3),
        m.i64.load(
          0,
          8,
          m.i32.add(f.i32(t.classSizes), m.i32.shl(m.i32.load16_u(0, 2, entry(t.classOf, 1)), f.i32(3))),
        ),
      ),
    ]),
    total.set(m.call("place_buffers", [], b.i64)),
  );
  // Scratch follows the arena: the largest any kernel asked for, in 8-byte elements.
  const scratch = [...new Map(layout.scratch.map((d) => [JSON.stringify(d), d])).values()];
  body.push(v.set(i64(0)));
  for (const d of scratch) {
    body.push(v.set(m.select(m.i64.gt_s(dimValue(d), v.get()), dimValue(d), v.get())));
  }
  const need = () => m.i64.add(m.i64.add(i64(layout.arenaBase), total.get()), m.i64.mul(v.get(), i64(8)));
  body.push(
    f.if(m.i64.gt_u(need(), i64(MAX_BYTES)), [m.return(f.i32(ABI_ERRORS.outOfMemory))]),
    pages.set(m.i32.wrap(m.i64.shr_u(m.i64.add(need(), i64(65535)), i64(16)))),
    f.if(m.i32.gt_u(pages.get(), m.memory.size()), [
      f.if(m.i32.eq(m.memory.grow(m.i32.sub(pages.get(), m.memory.size())), f.i32(-1)), [
        m.return(f.i32(ABI_ERRORS.outOfMemory)),
      ]),
    ]),
  );
  if (layout.preparesWeights) {
    body.push(
      f.if(m.i32.eqz(m.global.get(WEIGHTS_READY, b.i32)), [
        ...(layout.unpacked.length ? [m.call("unpack_weights", [], b.none)] : []),
        ...layout.derivedFills,
        m.global.set(WEIGHTS_READY, f.i32(1)),
      ]),
    );
  }
  // Addresses in a loop, then one short load per buffer global.
  body.push(
    f.for(i, f.i32(0), () => f.i32(plan.buffers.length), [
      m.i32.store(
        0,
        4,
        entry(t.addresses, 2),
        m.i32.add(f.i32(layout.arenaBase), m.i32.wrap(m.i64.load(0, 8, entry(t.offsets, 3)))),
      ),
    ]),
    ...plan.buffers.map((buf, k) =>
      m.global.set(layout.bufferGlobal(buf.id), m.i32.load(0, 4, f.i32(t.addresses + 4 * k))),
    ),
  );
  body.push(
    m.global.set("scratch", m.i32.add(f.i32(layout.arenaBase), m.i32.wrap(total.get()))),
    m.global.set("prepared", f.i32(1)),
    m.return(f.i32(0)),
  );
  f.build("qmc_prepare", b.i32, f.seq(body));
}

/** The greedy-by-size placement over the sizes table; returns the arena's total bytes. */
function addPlaceBuffers(b: Binaryen, m: WasmModule, layout: Layout): void {
  const n = layout.plan.buffers.length;
  const t = layout.tables;
  const f = new Fn(b, m);
  const [k, j, i, at, r, q, key] = [0, 1, 2, 3, 4, 5, 6].map(() => f.i32Local());
  const offset = f.local(b.i64);
  const total = f.local(b.i64);
  const i32At = (table: number, index: Ex) => m.i32.load(0, 4, m.i32.add(f.i32(table), m.i32.shl(index, f.i32(2))));
  const setI32 = (table: number, index: Ex, value: Ex) =>
    m.i32.store(0, 4, m.i32.add(f.i32(table), m.i32.shl(index, f.i32(2))), value);
  const i64At = (table: number, index: Ex) => m.i64.load(0, 8, m.i32.add(f.i32(table), m.i32.shl(index, f.i32(3))));
  const setI64 = (table: number, index: Ex, value: Ex) =>
    m.i64.store(0, 8, m.i32.add(f.i32(table), m.i32.shl(index, f.i32(3))), value);
  const size = (x: Local) => i64At(t.sizes, x.get());
  const off = (x: Local) => i64At(t.offsets, x.get());
  const align16 = (x: Ex) => m.i64.and(m.i64.add(x, m.i64.const(15n)), m.i64.const(-16n));
  /**
   * Stable insertion sort of `table[0..count)` by `before(a, b)`; `key` holds the element moving down.
   */
  const insertionSort = (table: number, count: Val32, before: (a: Local, b: Local) => Ex) => {
    const sorted = f.label("sorted");
    const shift = f.label("shift");
    return f.for(j, f.i32(1), count, [
      key.set(i32At(table, j.get())),
      q.set(m.i32.sub(j.get(), f.i32(1))),
      m.block(sorted, [
        m.loop(
          shift,
          f.seq([
            m.br(sorted, m.i32.lt_s(q.get(), f.i32(0))),
            at.set(i32At(table, q.get())),
            m.br(sorted, m.i32.eqz(before(key, at))),
            setI32(table, m.i32.add(q.get(), f.i32(1)), at.get()),
            q.set(m.i32.sub(q.get(), f.i32(1))),
            m.br(shift),
          ]),
        ),
      ]),
      setI32(table, m.i32.add(q.get(), f.i32(1)), key.get()),
    ]);
  };
  const placed = f.label("placed");
  f.build(
    "place_buffers",
    b.i64,
    f.seq([
      f.for(k, f.i32(0), () => f.i32(n), [
        setI32(t.order, k.get(), k.get()),
        setI64(t.offsets, k.get(), m.i64.const(0n)),
      ]),
      // Largest first; the sort is stable, so equal sizes keep index order.
      insertionSort(
        t.order,
        () => f.i32(n),
        (a, c) => m.i64.gt_u(size(a), size(c)),
      ),
      total.set(m.i64.const(0n)),
      f.for(k, f.i32(0), () => f.i32(n), [
        i.set(i32At(t.order, k.get())),
        r.set(f.i32(0)),
        f.for(j, f.i32(0), () => k.get(), [
          at.set(i32At(t.order, j.get())),
          f.if(
            m.i32.and(
              m.i32.le_s(i32At(t.firsts, at.get()), i32At(t.lasts, i.get())),
              m.i32.le_s(i32At(t.firsts, i.get()), i32At(t.lasts, at.get())),
            ),
            [setI32(t.rivals, r.get(), at.get()), r.set(m.i32.add(r.get(), f.i32(1)))],
          ),
        ]),
        insertionSort(
          t.rivals,
          () => r.get(),
          (a, c) =>
            m.i32.or(m.i64.lt_u(off(a), off(c)), m.i32.and(m.i64.eq(off(a), off(c)), m.i32.lt_s(a.get(), c.get()))),
        ),
        offset.set(m.i64.const(0n)),
        m.block(placed, [
          f.for(j, f.i32(0), () => r.get(), [
            at.set(i32At(t.rivals, j.get())),
            m.br(placed, m.i64.le_u(m.i64.add(offset.get(), size(i)), off(at))),
            offset.set(
              m.select(
                m.i64.gt_u(align16(m.i64.add(off(at), size(at))), offset.get()),
                align16(m.i64.add(off(at), size(at))),
                offset.get(),
              ),
            ),
          ]),
        ]),
        setI64(t.offsets, i.get(), offset.get()),
        f.if(m.i64.gt_u(m.i64.add(offset.get(), size(i)), total.get()), [total.set(m.i64.add(offset.get(), size(i)))]),
      ]),
      m.return(align16(total.get())),
    ]),
  );
}

type Val32 = () => Ex;

/** Unpacks every 2- and 4-bit constant into one signed i8 per code (little-end first in each byte). */
function addUnpackWeights(b: Binaryen, m: WasmModule, layout: Layout): void {
  const f = new Fn(b, m);
  const i = f.i32Local();
  const v = f.i32Local();
  const body: Ex[] = layout.unpacked.map((u) => {
    const perByte = 8 / u.bits;
    const half = 1 << (u.bits - 1);
    const shift = Math.log2(perByte);
    return f.for(i, f.i32(0), () => f.i32(u.count), [
      v.set(
        m.i32.and(
          m.i32.shr_u(
            m.i32.load8_u(0, 1, m.i32.add(f.i32(u.from), m.i32.shr_u(i.get(), f.i32(shift)))),
            m.i32.mul(m.i32.and(i.get(), f.i32(perByte - 1)), f.i32(u.bits)),
          ),
          f.i32((1 << u.bits) - 1),
        ),
      ),
      m.i32.store8(
        0,
        1,
        m.i32.add(f.i32(u.to), i.get()),
        m.select(m.i32.ge_s(v.get(), f.i32(half)), m.i32.sub(v.get(), f.i32(2 * half)), v.get()),
      ),
    ]);
  });
  f.build("unpack_weights", b.none, f.seq(body));
}
