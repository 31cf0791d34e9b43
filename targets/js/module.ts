import { QmcError } from "../../compiler/diagnostics.js";
import {
  isStatic,
  type KernelPlan,
  type PlanConstant,
  type SymDim,
  shapeAtSize,
} from "../../compiler/plan/kernel-plan.js";
import { PLACE_BUFFERS_ES5 } from "../shared/arena.js";
import type { ArtifactModule, FnDecl, Item, VarDecl } from "../shared/artifact.js";
import { CodeWriter } from "../shared/code-writer.js";
import { artifactMeta, type DeployedPlan, deploymentOf, liveRanges } from "../shared/meta.js";
import { asciiJson, commentText, identifier } from "../shared/names.js";
import { dimExpr, dimText, dimVarName, productDim, shapeText } from "../shared/sym.js";
import { generateAll } from "../shared/unsupported.js";
import { loadWeightsFn, loadWeightsHelpers, weightsLayout } from "./external-weights.js";
import { constantArrayType, KernelEnvImpl, type ModuleScope } from "./kernel-env.js";
import { JS_KERNELS, type KernelGenerator } from "./kernels/index.js";
import { restoreFn, tileStartsFn } from "./restore.js";
import { type HelperName, resolveHelpers } from "./runtime/helpers.js";

export interface EmitOptions {
  readonly compilerVersion: string;
  /** The target name recorded in the header and meta ("js" or "ts" unless a caller says otherwise). */
  readonly target?: string;
}

const VIEW_TYPE = { float32: "Float32Array", int32: "Int32Array", int8: "Int8Array", uint8: "Uint8Array" } as const;
const ELEMENT_BYTES = { float32: 4, int32: 4, int8: 1, uint8: 1 } as const;
const BASE64_LINE = 100;

/** Error codes of the ABI functions. */
export const ABI_ERRORS = { badSize: -1, outOfMemory: -2, notPrepared: -3, noWeights: -4 } as const;

interface KernelCall {
  readonly fn: string;
  readonly args: readonly string[];
  readonly comment: string;
}

/** Collects what kernels need from module scope while they are generated. */
class Scope implements ModuleScope {
  readonly dims = new Map<string, SymDim>();
  readonly scratch: SymDim[] = [];
  private readonly buffers: Map<number, string>;
  private readonly constants: Map<number, string>;

  constructor(readonly plan: KernelPlan) {
    this.buffers = new Map(plan.buffers.map((b) => [b.id, identifier(`b${b.id}`, b.name)]));
    this.constants = new Map(plan.constants.map((c) => [c.id, identifier(`c${c.id}`, c.name)]));
  }

  bufferVar(id: number): string {
    const v = this.buffers.get(id);
    if (!v) throw new QmcError(`plan refers to buffer ${id}, which it does not hold`);
    return v;
  }

  constantVar(id: number): string {
    const v = this.constants.get(id);
    if (!v) throw new QmcError(`plan refers to constant ${id}, which it does not hold`);
    return v;
  }

  dimVar(d: SymDim): string {
    const name = dimVarName(d);
    this.dims.set(name, d);
    return name;
  }

  needScratch(n: SymDim): void {
    this.scratch.push(n);
  }
}

/** The element count of a buffer as an ES5 expression in h and w. */
function countExpr(shape: readonly SymDim[]): string {
  const p = productDim(shape);
  if (p) return dimExpr(p);
  return shape.map((d) => (isStatic(d) ? String(d.c) : `(${dimExpr(d)})`)).join(" * ");
}

function constantDecl(c: PlanConstant, name: string): VarDecl {
  const base64 = Buffer.from(c.bytes).toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += BASE64_LINE) lines.push(`"${base64.slice(i, i + BASE64_LINE)}"`);
  const count = c.shape.reduce((a, b) => a * b, 1);
  const call =
    c.encoding.kind === "float32"
      ? "float32Constant"
      : c.encoding.kind === "int32"
        ? "int32Constant"
        : "packedConstant";
  const tail = c.encoding.kind === "packed" ? `, ${c.encoding.bits}` : "";
  const w = new CodeWriter();
  w.line(`${call}(`);
  w.indented(() => {
    w.line("[");
    w.indented(() => w.list(lines));
    w.line(`],`);
    w.line(`${count}${tail}`);
  });
  w.line(")");
  const encoding = c.encoding.kind === "packed" ? `int${c.encoding.bits} codes, packed` : c.encoding.kind;
  return {
    name,
    init: w.toString().trimEnd(),
    doc: [`'${commentText(c.name)}' [${c.shape.join(", ")}] ${encoding} (${constantArrayType(c)})`],
  };
}

/** With external weights a constant starts empty; qmc_load_weights fills it. */
function externalConstantDecl(c: PlanConstant, name: string): VarDecl {
  const type = constantArrayType(c);
  return {
    name,
    init: `new ${type}(0)`,
    mutable: true,
    doc: [`'${commentText(c.name)}' [${c.shape.join(", ")}] (${type}), from the weights file`],
  };
}

function memoryTable(plan: KernelPlan, scope: Scope): string[] {
  const ranges = liveRanges(plan);
  const rows = plan.buffers.map((b, i) => [
    scope.bufferVar(b.id),
    b.dtype,
    shapeText(b.shape),
    `${ranges[i][0]}..${ranges[i][1]}`,
    `'${commentText(b.name, 60)}'`,
  ]);
  const head = ["buffer", "dtype", "shape", "live", "from"];
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const fmt = (r: string[]) =>
    r
      .map((c, k) => c.padEnd(widths[k]))
      .join("  ")
      .trimEnd();
  return [
    "Memory plan: one arena, placed by qmc_prepare(h, w) greedily by size (TFLite Micro style) over",
    "these live ranges (kernel indices, inclusive); sizes are in elements of h x w inputs.",
    "",
    fmt(head),
    ...rows.map(fmt),
  ];
}

function generateKernels(plan: KernelPlan, scope: Scope, target: string) {
  const fns: FnDecl[] = [];
  const calls: KernelCall[] = [];
  const helpers = new Set<HelperName>();
  const byName = new Map<string, { signature: string; name: string }[]>();
  generateAll(plan, target, JS_KERNELS, (kernel, index) => {
    const gen = JS_KERNELS.get(kernel.kind) as KernelGenerator;
    const env = new KernelEnvImpl(scope, kernel, index);
    const code = gen(env);
    const w = new CodeWriter();
    code.body(w);
    const body = w.toString();
    for (const h of code.helpers ?? []) helpers.add(h);
    const base = code.spec.replace(/[^A-Za-z0-9_]/g, "_");
    const signature = `${env.params.map((p) => `${p.name}:${p.type}`).join(",")}\n${body}`;
    const same = byName.get(base) ?? [];
    let fn = same.find((s) => s.signature === signature)?.name;
    if (!fn) {
      fn = same.length === 0 ? base : `${base}_v${same.length + 1}`;
      same.push({ signature, name: fn });
      byName.set(base, same);
      fns.push({ name: fn, params: env.params, returns: "void", doc: [`${kernel.kind}: ${kernel.arithmetic}`], body });
    }
    const sources = kernel.sources.length
      ? ` from ${kernel.sources.map((s) => `'${commentText(s, 60)}'`).join(", ")}`
      : "";
    calls.push({ fn, args: env.args, comment: `#${index} ${kernel.kind} '${commentText(kernel.name, 60)}'${sources}` });
  });
  return { fns, calls, helpers };
}

/**
 * The ES5 test that h, w differ from the size the artifact was compiled for or are not multiples of
 * the plan's size unit; null where any size runs.
 */
function sizeTest(plan: KernelPlan): string | null {
  const { h, w } = plan.model.inputSize;
  const m = plan.model.sizeMultiple;
  const tests = [
    h === null ? "" : `h !== ${h}`,
    w === null ? "" : `w !== ${w}`,
    m.h === 1 ? "" : `h % ${m.h} !== 0`,
    m.w === 1 ? "" : `w % ${m.w} !== 0`,
  ].filter(Boolean);
  return tests.length ? tests.join(" || ") : null;
}

function prepareFn(plan: KernelPlan, scope: Scope, externalWeights: boolean): FnDecl {
  const w = new CodeWriter();
  const index = (id: number) => plan.buffers.findIndex((b) => b.id === id);
  for (const b of plan.buffers) for (const d of b.shape) if (!isStatic(d)) scope.dimVar(d);
  w.line("var counts, sizes, placed, i;");
  w.line("prepared = false;");
  if (externalWeights) w.line(`if (!weightsLoaded) return ${ABI_ERRORS.noWeights};`);
  w.line(
    `if (!(h >= 1 && w >= 1 && h <= 65536 && w <= 65536 && h % 1 === 0 && w % 1 === 0)) return ${ABI_ERRORS.badSize};`,
  );
  const unlike = sizeTest(plan);
  if (unlike) w.line(`if (${unlike}) return ${ABI_ERRORS.badSize};`);
  // The plan's sizes count units of sizeMultiple pixels.
  const { h: mh, w: mw } = plan.model.sizeMultiple;
  if (mh !== 1) w.line(`h = h / ${mh};`);
  if (mw !== 1) w.line(`w = w / ${mw};`);
  const dims = [...scope.dims.entries()];
  for (const [name, d] of dims) w.line(`${name} = ${dimExpr(d)};`);
  if (dims.length) w.line(`if (${dims.map(([name]) => `${name} < 1`).join(" || ")}) return ${ABI_ERRORS.badSize};`);
  w.line("counts = [");
  w.indented(() => w.list(plan.buffers.map((b) => countExpr(b.shape))));
  w.line("];");
  w.line("sizes = new Array(counts.length);");
  w.line("for (i = 0; i < counts.length; i++) sizes[i] = counts[i] * ELEMENT_BYTES[i];");
  w.line("placed = placeBuffers(sizes, FIRST_USE, LAST_USE);");
  w.block("if (placed.total > memory.byteLength)", () => {
    w.block("try", () => w.line("memory = new ArrayBuffer(placed.total);"), "} catch (e) {");
    w.indented(() => w.line(`return ${ABI_ERRORS.outOfMemory};`));
    w.line("}");
    w.line("qmc.memory = memory;");
  });
  if (scope.scratch.length) {
    const need = [...new Set(scope.scratch.map((d) => dimExpr(d)))];
    w.line(`i = ${need.length === 1 ? need[0] : `Math.max(${need.join(", ")})`};`);
    w.block("if (scratch.length < i)", () => {
      w.block("try", () => w.line("scratch = new Float64Array(i);"), "} catch (e) {");
      w.indented(() => w.line(`return ${ABI_ERRORS.outOfMemory};`));
      w.line("}");
    });
  }
  plan.buffers.forEach((b, i) => {
    w.line(`${scope.bufferVar(b.id)} = new ${VIEW_TYPE[b.dtype]}(memory, placed.offsets[${i}], counts[${i}]);`);
  });
  w.line(`inputOffset = placed.offsets[${index(plan.input)}];`);
  w.line(`outputOffset = placed.offsets[${index(plan.output)}];`);
  w.line("prepared = true;");
  w.line("return 0;");
  return {
    name: "qmc_prepare",
    params: [
      { name: "h", type: "number" },
      { name: "w", type: "number" },
    ],
    returns: "number",
    doc: [
      "Sizes every buffer for an h x w input and places them in the arena, growing `memory` when needed",
      `(re-read qmc.memory afterwards). 0, or -1 for a size the model cannot take, -2 when out of memory${externalWeights ? "," : "."}`,
      ...(externalWeights ? ["-4 before qmc_load_weights has succeeded."] : []),
    ],
    body: w.toString(),
  };
}

function runFn(calls: readonly KernelCall[]): FnDecl {
  const w = new CodeWriter();
  w.line(`if (!prepared) return ${ABI_ERRORS.notPrepared};`);
  for (const c of calls) {
    w.comment(c.comment);
    w.line(`${c.fn}(${c.args.join(", ")});`);
  }
  w.line("return 0;");
  return {
    name: "qmc_run",
    params: [],
    returns: "number",
    doc: ["Runs the model on the input buffer; 0, or -3 before a successful qmc_prepare."],
    body: w.toString(),
  };
}

/** An artifact's parts, language aside, and what its memory figures need beyond them. */
export interface BuiltArtifact {
  readonly module: ArtifactModule;
  /** Float64 elements of the kernels' shared scratch at an h x w input. */
  scratchElements(h: number, w: number): number;
}

/** Everything an artifact holds, language aside: the js and ts targets print this. */
export function buildArtifactModule(plan: DeployedPlan, options: EmitOptions, target: string): ArtifactModule {
  return buildArtifact(plan, options, target).module;
}

export function buildArtifact(plan: DeployedPlan, options: EmitOptions, target: string): BuiltArtifact {
  if (!plan.buffers.some((b) => b.id === plan.input) || !plan.buffers.some((b) => b.id === plan.output)) {
    throw new QmcError("plan's input or output is not one of its buffers");
  }
  const deployment = deploymentOf(plan);
  const external = deployment.weights === "external";
  const scope = new Scope(plan);
  const kernels = generateKernels(plan, scope, target);
  const prepare = prepareFn(plan, scope, external);
  const constantHelpers: HelperName[] = external
    ? loadWeightsHelpers(plan)
    : plan.constants.map((c) =>
        c.encoding.kind === "float32"
          ? "float32Constant"
          : c.encoding.kind === "int32"
            ? "int32Constant"
            : "packedConstant",
      );
  const runtime = resolveHelpers([...kernels.helpers, ...constantHelpers, "f32", "roundHalfEven"]);
  const ranges = liveRanges(plan);
  const layout = external ? weightsLayout(plan) : undefined;
  const meta = {
    ...artifactMeta(plan, target, options.compilerVersion),
    ...(layout ? { weights: { external: true, bytes: layout.bytes, fnv1a: layout.fnv1a } } : {}),
  };
  const fn = (decl: FnDecl): Item => ({ fn: decl });
  const v = (decl: VarDecl): Item => ({ var: decl });
  const state: VarDecl[] = [
    { name: "memory", init: "new ArrayBuffer(0)", mutable: true },
    { name: "prepared", init: "false", mutable: true },
    ...(external ? [{ name: "weightsLoaded", init: "false", mutable: true }] : []),
    { name: "inputOffset", init: "0", mutable: true },
    { name: "outputOffset", init: "0", mutable: true },
    ...plan.buffers.map((b) => ({ name: scope.bufferVar(b.id), init: `new ${VIEW_TYPE[b.dtype]}(0)`, mutable: true })),
    ...[...scope.dims.entries()].map(([name, d]) => ({ name, init: "0", doc: [`= ${dimText(d)}`], mutable: true })),
    ...(scope.scratch.length ? [{ name: "scratch", init: "new Float64Array(0)", mutable: true }] : []),
    { name: "ELEMENT_BYTES", init: `[${plan.buffers.map((b) => ELEMENT_BYTES[b.dtype]).join(", ")}]` },
    { name: "FIRST_USE", init: `[${ranges.map((r) => r[0]).join(", ")}]` },
    { name: "LAST_USE", init: `[${ranges.map((r) => r[1]).join(", ")}]` },
    { name: "META", init: asciiJson(meta, 2) },
  ];
  const constants = plan.constants.map((c) =>
    v((external ? externalConstantDecl : constantDecl)(c, scope.constantVar(c.id))),
  );
  const module: ArtifactModule = {
    header: [
      `${commentText(plan.model.name)}: generated by qmc ${commentText(options.compilerVersion)} for target '${target}'.`,
      `Source model sha256 ${commentText(plan.model.sha256)}; task ${plan.model.task}, scale ${plan.model.scale}.`,
      "Do not edit: regenerate with `qmc compile`.",
      "",
      "ABI: qmc_prepare(h, w) -> 0 | -1 bad size | -2 out of memory; qmc_input() / qmc_output() -> byte",
      "offsets in `memory` of float32 NCHW images in [0, 1]; qmc_run() -> 0 | -3 not prepared; `meta`;",
      "restore(pixels, width, height, channels, { tile, overlap }) for uint8 images.",
      ...(deployment.tile === null
        ? []
        : [
            `Without opts.tile, restore runs ${deployment.tile}x${deployment.tile} tiles (meta.tile, from the memory budget).`,
          ]),
      ...(external
        ? [
            `Weights: a ${layout?.bytes}-byte file beside the script; call qmc_load_weights(read) once before`,
            "qmc_prepare (which returns -4 until then), with read(offset, length) returning those bytes.",
          ]
        : []),
      "",
      ...memoryTable(plan, scope),
    ],
    sections: [
      {
        title: "Runtime helpers",
        items: [...runtime.vars.map(v), ...runtime.fns.map(fn)],
      },
      {
        title: external ? "Constants, read by qmc_load_weights" : "Constants, decoded once at load",
        items: constants,
      },
      { title: "Kernels", items: kernels.fns.map(fn) },
      { title: "State and memory plan", items: [...state.map(v), fn(PLACE_BUFFERS_ES5)] },
      {
        title: "ABI",
        items: [
          ...(external ? [fn(loadWeightsFn(plan, (id) => scope.constantVar(id)))] : []),
          fn(prepare),
          fn({
            name: "qmc_input",
            params: [],
            returns: "number",
            doc: ["Byte offset of the input image (float32, NCHW)."],
            body: "return inputOffset;\n",
          }),
          fn({
            name: "qmc_output",
            params: [],
            returns: "number",
            doc: ["Byte offset of the output image (float32, NCHW)."],
            body: "return outputOffset;\n",
          }),
          fn(runFn(kernels.calls)),
          fn(tileStartsFn),
          fn(
            restoreFn(
              plan.model.scale,
              plan.model.inChannels,
              plan.model.outChannels,
              plan.model.inputSize,
              plan.model.sizeMultiple,
              deployment.tile,
            ),
          ),
        ],
      },
    ],
    exportName: "qmc",
    exports: [
      ...(external ? [{ name: "qmc_load_weights", value: "qmc_load_weights" }] : []),
      { name: "qmc_prepare", value: "qmc_prepare" },
      { name: "qmc_input", value: "qmc_input" },
      { name: "qmc_output", value: "qmc_output" },
      { name: "qmc_run", value: "qmc_run" },
      { name: "memory", value: "memory" },
      { name: "meta", value: "META" },
      { name: "restore", value: "restore" },
    ],
  };
  const scratch = [...scope.scratch];
  return {
    module,
    scratchElements: (h, w) => Math.max(0, ...shapeAtSize(plan.model, scratch, h, w)),
  };
}
