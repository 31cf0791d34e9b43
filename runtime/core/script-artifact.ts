import { arrayBufferByteLength, BUNDLE_FUNCTIONS, type BundleFunctions, bundleEngine, type Engine } from "./engine.js";
import { QmcRuntimeError } from "./errors.js";
import { parseMeta } from "./meta.js";

/** Turns the `ts` artifact's TypeScript into a CommonJS-style script (e.g. typescript's transpileModule). */
export type Transpile = (source: string) => string | Promise<string>;

/**
 * Runs a `js` artifact's script (or a transpiled `ts` one) as a CommonJS body and returns what it
 * exported (`module.exports`). The Node helpers pass one that runs it in a sandbox with a time limit.
 */
export type EvaluateScript = (source: string) => unknown;

/**
 * The default: the script runs in this realm with everything this realm can reach, as any script
 * a page loads does. Fine for artifacts from a compile you trust, and all that browsers offer.
 */
const evaluateInThisRealm: EvaluateScript = (source) => {
  const module = { exports: {} as Record<string, unknown> };
  new Function("module", "exports", source)(module, module.exports);
  return module.exports;
};

/**
 * The `ts` artifact is a module with `export`s; the `js` artifact is an ES5 script and never has
 * them, so a line starting with `export` tells the two apart.
 */
export function isTypeScriptArtifact(text: string): boolean {
  return /^\s*export\s/m.test(text);
}

interface BundleObject extends BundleFunctions {
  memory: ArrayBuffer;
  meta: unknown;
}

/**
 * A `js` artifact (or a transpiled `ts` one): evaluated as a CommonJS body, its object taken from
 * `module.exports` (or its default export). The object's `memory` may only exist after qmc_prepare,
 * which also replaces it when the arena must grow, so the engine reads it again for every view.
 */
export async function scriptEngine(
  text: string,
  transpile?: Transpile,
  evaluate: EvaluateScript = evaluateInThisRealm,
): Promise<Engine> {
  let source = text;
  if (isTypeScriptArtifact(text)) {
    if (!transpile) {
      throw new QmcRuntimeError(
        "this is a TypeScript (target ts) artifact: transpile it to JavaScript first, or pass loadModel a " +
          "`transpile` function (the Node helpers' loadModelFile uses the typescript package)",
      );
    }
    source = await transpile(text);
  }
  let exported: Record<string, unknown>;
  try {
    exported = Object(evaluate(source));
  } catch (e) {
    if (e instanceof QmcRuntimeError) throw e;
    throw new QmcRuntimeError(`the artifact script failed to evaluate: ${(e as Error)?.message ?? String(e)}`);
  }
  // A ts artifact's default export is the bundle object itself; its named exports cannot follow
  // the `memory` that qmc_prepare replaces, so the default export wins over the namespace.
  const isBundle = (v: unknown): v is Partial<BundleObject> =>
    typeof v === "object" && v !== null && typeof (v as BundleFunctions).qmc_prepare === "function";
  const bundle = isBundle(exported.default) ? exported.default : isBundle(exported) ? exported : undefined;
  if (!bundle) {
    throw new QmcRuntimeError(
      "the script defines no qmc artifact: neither module.exports nor its default has qmc_prepare",
    );
  }
  const missing = [...BUNDLE_FUNCTIONS, "meta"].filter((name) =>
    name === "meta" ? bundle.meta === undefined : typeof bundle[name as keyof BundleFunctions] !== "function",
  );
  if (missing.length > 0) {
    throw new QmcRuntimeError(`the artifact object lacks ${missing.join(", ")}`);
  }
  const abi = bundle as BundleObject;
  const memory = () => {
    const buffer = abi.memory;
    if (arrayBufferByteLength(buffer) === undefined) {
      throw new QmcRuntimeError("the artifact's memory is not an ArrayBuffer");
    }
    return buffer;
  };
  return bundleEngine(parseMeta(abi.meta, "artifact meta"), abi, memory);
}
