import { QmcRuntimeError } from "../core/errors.js";
import type { Transpile } from "../core/script-artifact.js";

/**
 * Transpiles a `ts` artifact with the typescript package when it is installed (a development
 * dependency of qmc; ts-morph users have it too). It is imported only when a `ts` artifact is met,
 * so `.wasm` and `.js` artifacts never pay for it.
 */
export const transpileTypeScript: Transpile = async (source) => {
  let ts: typeof import("typescript");
  try {
    ts = (await import("typescript")).default;
  } catch {
    throw new QmcRuntimeError(
      "this is a TypeScript (target ts) artifact and the typescript package is not installed: " +
        "install it, or compile the model for the js target",
    );
  }
  return ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
  }).outputText;
};
