import type binaryenNamespace from "binaryen";

export type Binaryen = typeof binaryenNamespace;
export type WasmModule = binaryenNamespace.Module;
/** A binaryen expression: use each exactly once (binaryen trees own their nodes). */
export type Ex = number;

let loaded: Promise<Binaryen> | undefined;

/** binaryen, loaded on first use: it takes a second to start, which only wasm emits should pay. */
export function loadBinaryen(): Promise<Binaryen> {
  loaded ??= import("binaryen").then((m) => m.default);
  return loaded;
}
