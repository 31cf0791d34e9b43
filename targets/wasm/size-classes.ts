import { QmcError } from "../../compiler/diagnostics.js";
import { isStatic, type PlanBuffer, type PlanDType, type SymDim } from "../../compiler/plan/kernel-plan.js";
import { dimVarName } from "../shared/sym.js";

const ELEMENT_BYTES: Readonly<Record<PlanDType, number>> = { float32: 4, int32: 4, int8: 1, uint8: 1 };

/**
 * Buffers whose sizes are one product: element bytes times static dims (`factor`, an i64 as
 * qmc_prepare multiplies, mod 2^64) times the input-dependent `dims`. qmc_prepare computes each class
 * once and copies it to its buffers, which keeps its code small when a model has a thousand buffers.
 */
export interface SizeClass {
  readonly factor: bigint;
  readonly dims: readonly SymDim[];
}

/** The classes in order of first use, and each buffer's class (an index that fits a u16). */
export function sizeClasses(buffers: readonly PlanBuffer[]): { classes: SizeClass[]; classOf: number[] } {
  const classes: SizeClass[] = [];
  const index = new Map<string, number>();
  const classOf = buffers.map((buf) => {
    // The product mod 2^64 does not depend on the order of its factors: sorted, equal sizes meet.
    const names = buf.shape.filter((d) => !isStatic(d)).map((d) => ({ d, name: dimVarName(d) }));
    names.sort((a, b) => (a.name === b.name ? 0 : a.name < b.name ? -1 : 1));
    const statics = buf.shape.filter(isStatic).map((d) => BigInt(d.c));
    const factor = BigInt.asIntN(
      64,
      statics.reduce((a, x) => a * x, BigInt(ELEMENT_BYTES[buf.dtype])),
    );
    const key = `${factor}|${names.map((x) => x.name).join(",")}`;
    let k = index.get(key);
    if (k === undefined) {
      k = classes.length;
      index.set(key, k);
      classes.push({ factor, dims: names.map((x) => x.d) });
    }
    return k;
  });
  if (classes.length > 65536)
    throw new QmcError(`${classes.length} distinct buffer sizes; the wasm targets take 65536`);
  return { classes, classOf };
}
