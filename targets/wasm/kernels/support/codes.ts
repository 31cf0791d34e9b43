import type { Ex } from "../../binaryen.js";
import type { Arr, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import type { ActivationQuant } from "./activation-quant.js";
import { codeToI32 } from "./integer-epilogue.js";

/** codes[i] = the activation code of x[i] for i < n, one i16 per code (any code of up to 8 bits fits). */
export function quantizeAll(env: WasmKernelEnv, q: ActivationQuant, x: Arr, codes: Arr, n: Val): Ex[] {
  const f = env.fn;
  const m = f.m;
  const i = f.i32Local();
  const c = f.f64Local();
  const code4 = env.isa !== "mvp" && codes.elem === "i16" && x.elem === "f32" ? q.code4 : undefined;
  const four = (at: number) => code4?.(m.v128.load(0, 4, f.addr(x, f.add(i.get(), f.i32(at))))) as Ex;
  return [
    ...(code4
      ? [
          f.for(
            i,
            f.i32(0),
            () => m.i32.sub(n(), f.i32(7)),
            [m.v128.store(0, 2, f.addr(codes, i.get()), m.i16x8.narrow_i32x4_s(four(0), four(4)))],
            8,
          ),
        ]
      : []),
    f.for(i, code4 ? i.get() : f.i32(0), n, [
      c.set(q.code(f.loadF(x, i.get()))),
      f.store(codes, i.get(), codeToI32(f, c)),
    ]),
  ];
}
