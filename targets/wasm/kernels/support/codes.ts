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
  const c4 = code4 && f.local(f.b.v128);
  // Four codes a step, narrowed to i16 and stored as 8 bytes: one code4 in the module's code per
  // kernel, where eight a step would write it out twice.
  return [
    ...(code4 && c4
      ? [
          f.for(
            i,
            f.i32(0),
            () => m.i32.sub(n(), f.i32(3)),
            [
              c4.set(code4(m.v128.load(0, 4, f.addr(x, i.get())))),
              m.v128.store64_lane(0, 2, 0, f.addr(codes, i.get()), m.i16x8.narrow_i32x4_s(c4.get(), c4.get())),
            ],
            4,
          ),
        ]
      : []),
    f.for(i, code4 ? i.get() : f.i32(0), n, [
      c.set(q.code(f.loadF(x, i.get()))),
      f.store(codes, i.get(), codeToI32(f, c)),
    ]),
  ];
}
