import type { Binaryen, Ex } from "./binaryen.js";
import type { Fn } from "./dsl.js";

/**
 * The module's generated functions, one per distinct body: a function whose parameters, locals and
 * body text equal those of one added before under the same spec is that function, so instances that
 * differ only in their arguments share code. Names are the spec made an identifier, then `_v2`,
 * `_v3`... for other bodies of one spec, in the order added: the same plan gives the same names.
 */
export class SharedFunctions {
  private readonly bySpec = new Map<string, { signature: string; name: string }[]>();

  constructor(private readonly b: Binaryen) {}

  /** The name of the function with this body, adding it to the module when it is new. */
  add(spec: string, fn: Fn, body: Ex): string {
    const base = spec.replace(/[^A-Za-z0-9_]/g, "_");
    const signature = fn.signature(body);
    const same = this.bySpec.get(base) ?? [];
    const found = same.find((s) => s.signature === signature);
    if (found) return found.name;
    const name = same.length === 0 ? base : `${base}_v${same.length + 1}`;
    same.push({ signature, name });
    this.bySpec.set(base, same);
    fn.build(name, this.b.none, body);
    return name;
  }
}
