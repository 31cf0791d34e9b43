import type { Ex } from "../../binaryen.js";
import type { Arr, Val } from "../../dsl.js";
import type { WasmKernelEnv } from "../types.js";
import type { ActivationQuant } from "./activation-quant.js";
import { codeToI32 } from "./integer-epilogue.js";

/** codes[i] = the activation code of x[i] for i < n, one i16 per code (any code of up to 8 bits fits). */
export function quantizeAll(env: WasmKernelEnv, q: ActivationQuant, x: Arr, codes: Arr, n: Val): Ex[] {
  const f = env.fn;
  const i = f.i32Local();
  const c = f.f64Local();
  return [f.for(i, f.i32(0), n, [c.set(q.code(f.loadF(x, i.get()))), f.store(codes, i.get(), codeToI32(f, c))])];
}
