import { types } from "node:util";
import { compileFunction, createContext, runInContext, Script } from "node:vm";
import { QmcRuntimeError } from "../core/errors.js";
import type { EvaluateScript } from "../core/script-artifact.js";

/** The default limit on evaluating a js/ts artifact and on each of its ABI calls. */
export const DEFAULT_SCRIPT_TIMEOUT_S = 60;

/** Environment variable that overrides DEFAULT_SCRIPT_TIMEOUT_S (seconds) for the CLI and loadModelFile. */
export const SCRIPT_TIMEOUT_ENV = "QMC_SCRIPT_TIMEOUT";

export interface SandboxOptions {
  /** Seconds the evaluation and every ABI call may take before it is abandoned with an error. */
  readonly timeoutSeconds?: number;
}

/**
 * Globals of a fresh V8 context that the bundle ABI never uses and that would let a script act
 * outside a synchronous call: scheduling (promises, finalizers), shared memory, WebAssembly, an
 * inspector console; and the means to give a promise a prototype chain outside the context's own
 * (Proxy, Reflect, bind, setPrototypeOf, __proto__), which is how its rejections are told apart.
 */
const REMOVED = [
  "Promise",
  "WebAssembly",
  "SharedArrayBuffer",
  "Atomics",
  "FinalizationRegistry",
  "WeakRef",
  "console",
  "eval",
  "Proxy",
  "Reflect",
];

/**
 * Built-ins handed to the artifact's body as parameters. A global lookup in a vm context goes
 * through Node's interceptors (a C++ call each), so kernels that say `Math.max` in their inner
 * loops ran about half as fast; as parameters they are ordinary closure variables.
 */
const LEXICAL_GLOBALS = [
  "Math",
  "Array",
  "ArrayBuffer",
  "DataView",
  "Float32Array",
  "Float64Array",
  "Int8Array",
  "Int16Array",
  "Int32Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Uint16Array",
  "Uint32Array",
  "Object",
  "Number",
  "String",
  "JSON",
  "Error",
  "RangeError",
  "TypeError",
  "isFinite",
  "isNaN",
  "undefined",
  "NaN",
  "Infinity",
];

const HARNESS_NAME = "__qmc_sandbox__";

/**
 * Runs first, in the fresh context, before any artifact code: removes what the ABI does not need,
 * pins Error.prepareStackTrace (Node hands a context's override the host's stack frames), and
 * installs the harness the host calls through. The harness keeps its own references to the
 * intrinsics it uses, so an artifact that replaces JSON or String spoils only its own answers, and
 * it answers with primitives only (a number, or a string holding an error or JSON), so the host
 * never touches an object the artifact could have given getters.
 */
const SETUP = `(function (global) {
  "use strict";
  var removed = ${JSON.stringify(REMOVED)};
  for (var i = 0; i < removed.length; i++) delete global[removed[i]];
  delete Object.prototype.__proto__;
  delete Object.setPrototypeOf;
  delete Function.prototype.bind;
  if (Array.fromAsync) delete Array.fromAsync;
  var ErrorClass = Error;
  Object.defineProperty(ErrorClass, "prepareStackTrace", { value: undefined, writable: false, configurable: false });
  Object.defineProperty(global, "Error", { value: ErrorClass, writable: false, configurable: false });
  var lexicalNames = ${JSON.stringify(LEXICAL_GLOBALS)}, lexical = [];
  for (var j = 0; j < lexicalNames.length; j++) lexical.push(global[lexicalNames[j]]);
  var stringify = JSON.stringify, toText = String;
  var bundle = null;
  function describe(e) {
    try {
      return toText(e !== null && typeof e === "object" && "message" in e ? e.message : e);
    } catch (_) {
      return "an exception that cannot be printed";
    }
  }
  function hasPrepare(v) {
    return typeof v === "object" && v !== null && typeof v.qmc_prepare === "function";
  }
  var harness = {
    evaluate: function (body) {
      var module = { exports: {} };
      try {
        body.apply(module.exports, [module, module.exports].concat(lexical));
        var exported = module.exports;
        bundle = hasPrepare(exported && exported["default"]) ? exported["default"] : exported;
        if (!hasPrepare(bundle)) return stringify({ functions: [] });
        var names = ["qmc_prepare", "qmc_input", "qmc_output", "qmc_run"], functions = [];
        for (var k = 0; k < names.length; k++) {
          if (typeof bundle[names[k]] === "function") functions[functions.length] = names[k];
        }
        return stringify({ functions: functions, meta: bundle.meta });
      } catch (e) {
        return stringify({ error: describe(e) });
      }
    },
    call: function (name, a, b) {
      try {
        var result = bundle[name](a, b);
        return typeof result === "number" ? result : name + " returned a " + typeof result + ", not a number";
      } catch (e) {
        return describe(e);
      }
    },
    memory: function () {
      return bundle.memory;
    }
  };
  Object.defineProperty(global, "${HARNESS_NAME}", { value: harness, writable: false, configurable: false });
})(this);`;

/** Object.prototype of every sandbox realm: a promise whose chain ends at one is a sandbox's. */
const sandboxRealms = new WeakSet<object>();
let listening = false;

/** The last object of a value's prototype chain, or undefined where a proxy stands in it. */
function chainEnd(value: object): object | undefined {
  let current = value;
  for (;;) {
    if (types.isProxy(current)) return undefined;
    const next = Object.getPrototypeOf(current) as object | null;
    if (next === null) return current;
    current = next;
  }
}

/**
 * A script can reject a promise nobody handles (`import()` is refused that way, and any async
 * function can throw), and Node ends the whole process on an unhandled rejection. Rejections from
 * sandbox realms are contained here; any other is thrown on, as Node's default mode would, unless
 * the host listens for them itself.
 */
function containSandboxRejections(): void {
  if (listening) return;
  listening = true;
  process.on("unhandledRejection", (reason, promise) => {
    const end = chainEnd(promise);
    if (end && sandboxRealms.has(end)) return;
    if (process.listenerCount("unhandledRejection") === 1) throw reason;
  });
}

function checkedTimeout(seconds: number, where: string): number {
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new QmcRuntimeError(`${where}: expected a positive number of seconds`);
  }
  return seconds;
}

/** The time limit from QMC_SCRIPT_TIMEOUT, or the default. */
export function scriptTimeoutFromEnv(): number {
  const text = process.env[SCRIPT_TIMEOUT_ENV];
  if (text === undefined || text === "") return DEFAULT_SCRIPT_TIMEOUT_S;
  return checkedTimeout(Number(text), `${SCRIPT_TIMEOUT_ENV} is ${JSON.stringify(text)}`);
}

/** What a failed harness run becomes: the time limit named, or the artifact's failure. */
function failure(e: unknown, what: string, seconds: number): Error {
  // Node makes its timeout error in the context's realm, where the artifact may have put getters
  // on Error.prototype: only the error's own data property is read (a native error is no proxy,
  // so asking for a descriptor runs no code).
  const code = types.isNativeError(e) ? Object.getOwnPropertyDescriptor(e, "code")?.value : undefined;
  if (code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
    return new QmcRuntimeError(
      `${what} did not return within ${seconds} s (the sandbox's limit; ${SCRIPT_TIMEOUT_ENV}=SECONDS sets it)`,
    );
  }
  return new Error("the artifact broke the sandbox's harness (it threw out of it)");
}

/**
 * Evaluates js/ts artifacts in a fresh `node:vm` context holding only the ECMAScript built-ins
 * (no process, require, import(), timers, Buffer or host globals; no code generation from strings),
 * with a time limit on the evaluation and on each ABI call. Returns what loadModel's `evaluate`
 * takes: an object of host functions over the artifact's ABI, its meta as JSON data, and its memory.
 * This keeps a careless or hostile artifact from the host; it does not bound the memory a script
 * allocates, so artifacts should still come from a compile you trust.
 */
export function sandboxedEvaluator(options: SandboxOptions = {}): EvaluateScript {
  return (source) => {
    const seconds = checkedTimeout(
      options.timeoutSeconds ?? scriptTimeoutFromEnv(),
      `the sandbox's time limit is ${options.timeoutSeconds}`,
    );
    const timeout = Math.max(1, Math.round(seconds * 1000));
    containSandboxRejections();
    const sandbox = Object.create(null) as Record<string, unknown>;
    const context = createContext(sandbox, {
      name: "qmc artifact sandbox",
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: "afterEvaluate",
    });
    runInContext(SETUP, context);
    sandboxRealms.add(runInContext("Object.prototype", context) as object);
    const run = (script: Script, what: string): unknown => {
      try {
        return script.runInContext(context, { timeout });
      } catch (e) {
        throw failure(e, what, seconds);
      }
    };
    let body: unknown;
    try {
      body = compileFunction(source, ["module", "exports", ...LEXICAL_GLOBALS], {
        parsingContext: context,
        filename: "artifact.js",
      });
    } catch (e) {
      throw new QmcRuntimeError(`the artifact script failed to evaluate: ${(e as Error).message}`);
    }
    // Set before any artifact code has run, so no setter of its own can be in the way.
    sandbox.__qmc_body__ = body;
    const evaluated = run(new Script(`${HARNESS_NAME}.evaluate(__qmc_body__)`), "the artifact script");
    if (typeof evaluated !== "string") throw new QmcRuntimeError("the artifact broke the sandbox's harness");
    const answer = JSON.parse(evaluated) as { error?: string; functions?: unknown; meta?: unknown };
    if (answer.error !== undefined) {
      throw new QmcRuntimeError(`the artifact script failed to evaluate: ${answer.error}`);
    }
    const call = (script: Script, what: string): number => {
      const result = run(script, what);
      if (typeof result === "number") return result;
      throw new Error(typeof result === "string" ? result : `${what} answered with a ${typeof result}`);
    };
    const fixedCall = (name: string) => {
      const script = new Script(`${HARNESS_NAME}.call(${JSON.stringify(name)})`);
      return () => call(script, name);
    };
    // The ABI replaces `memory` only in qmc_prepare, so it is fetched once after each: every call
    // into the context costs a watchdog thread (about 0.1 ms), and tiles read memory twice each.
    const memoryScript = new Script(`${HARNESS_NAME}.memory()`);
    let memory: { value: unknown } | undefined;
    const functions: Record<string, unknown> = {
      qmc_prepare: (h: number, w: number) => {
        memory = undefined;
        return call(new Script(`${HARNESS_NAME}.call("qmc_prepare", ${Number(h)}, ${Number(w)})`), "qmc_prepare");
      },
      qmc_input: fixedCall("qmc_input"),
      qmc_output: fixedCall("qmc_output"),
      qmc_run: fixedCall("qmc_run"),
    };
    const exported: Record<string, unknown> = { meta: answer.meta };
    // An artifact that spoiled its own Array or JSON can garble this list: only known names count.
    const listed = Array.isArray(answer.functions) ? answer.functions : [];
    for (const name of listed)
      if (typeof name === "string" && Object.hasOwn(functions, name)) exported[name] = functions[name];
    Object.defineProperty(exported, "memory", {
      get: () => {
        memory ??= { value: run(memoryScript, "the artifact's memory getter") };
        return memory.value;
      },
    });
    return exported;
  };
}

/** The sandbox with the time limit of QMC_SCRIPT_TIMEOUT (default 60 s): the Node helpers' default. */
export const evaluateInSandbox: EvaluateScript = (source) => sandboxedEvaluator()(source);
