import type { Engine } from "../../../runtime/core/engine.js";
import type { ArtifactMeta } from "../../../runtime/core/meta.js";

/**
 * Hand-made artifacts and engines that follow the bundle ABI, so the runtime is tested without the
 * compiler: position-independent models (identity, nearest-neighbour upscaling) whose tiled and
 * untiled outputs must agree exactly, and a position-dependent one whose stitching is predictable.
 */

export function testMeta(scale: number, channels: number): ArtifactMeta {
  return { abi: 1, name: `nearest-x${scale}`, task: scale > 1 ? "sr" : "denoise", scale, channels, target: "test" };
}

/** An in-memory Engine: out(c, y, x) = f(in(c, floor(y / s), floor(x / s)), tile-local x, y). */
export function fakeEngine(
  scale: number,
  channels: number,
  f: (v: number, x: number, y: number) => number = (v) => v,
): Engine & { sizes: string[] } {
  let h = 0;
  let w = 0;
  let input = new Float32Array(0);
  let output = new Float32Array(0);
  const sizes: string[] = [];
  return {
    meta: testMeta(scale, channels),
    sizes,
    prepare(ph, pw) {
      h = ph;
      w = pw;
      sizes.push(`${h}x${w}`);
      input = new Float32Array(channels * h * w);
      output = new Float32Array(channels * h * w * scale * scale);
    },
    input: () => input,
    output: () => output,
    run() {
      const ow = w * scale;
      for (let c = 0; c < channels; c++) {
        for (let y = 0; y < h * scale; y++) {
          for (let x = 0; x < ow; x++) {
            const v = input[(c * h + Math.floor(y / scale)) * w + Math.floor(x / scale)];
            output[(c * h * scale + y) * ow + x] = f(v, x, y);
          }
        }
      }
    },
  };
}

/**
 * The `js` artifact form (ES5, CommonJS-or-global publication) of nearest-neighbour upscaling.
 * qmc_prepare replaces `memory` on every call, as a real arena that grows does, so a runtime that
 * keeps a stale buffer reads zeros. Sizes above `maxPixels` are refused with -2 (out of memory).
 */
export function jsArtifact(scale: number, channels: number, maxPixels = 1 << 20): string {
  const meta = JSON.stringify(testMeta(scale, channels));
  return `/* qmc test artifact: nearest-neighbour x${scale} */
(function (root) {
  var S = ${scale}, C = ${channels}, MAX = ${maxPixels};
  var h = 0, w = 0;
  var bundle = {
    meta: ${meta},
    memory: new ArrayBuffer(0),
    qmc_prepare: function (ph, pw) {
      if (ph < 1 || pw < 1) return -1;
      if (ph * pw > MAX) return -2;
      h = ph; w = pw;
      bundle.memory = new ArrayBuffer(4 * C * h * w * (1 + S * S));
      return 0;
    },
    qmc_input: function () { return 0; },
    qmc_output: function () { return 4 * C * h * w; },
    qmc_run: function () {
      var input = new Float32Array(bundle.memory, 0, C * h * w);
      var output = new Float32Array(bundle.memory, 4 * C * h * w, C * h * w * S * S);
      var c, y, x;
      for (c = 0; c < C; c++)
        for (y = 0; y < h * S; y++)
          for (x = 0; x < w * S; x++)
            output[(c * h * S + y) * w * S + x] = input[(c * h + Math.floor(y / S)) * w + Math.floor(x / S)];
      return 0;
    }
  };
  if (typeof module !== "undefined") module.exports = bundle; else root.qmc = bundle;
})(this);
`;
}

/** The same model as a `ts` artifact: a module that exports its bundle object. */
export function tsArtifact(scale: number, channels: number): string {
  const js = jsArtifact(scale, channels)
    .replace("(function (root) {", "const bundle = (function (): any {")
    .replace('if (typeof module !== "undefined") module.exports = bundle; else root.qmc = bundle;', "return bundle;")
    .replace("})(this);", "})();");
  return `${js}export default bundle;\nexport const { qmc_prepare, qmc_input, qmc_output, qmc_run } = bundle;\n`;
}

// A minimal WebAssembly encoder for the identity artifact below.
const u32 = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const s32 = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
};
const bytesOf = (s: string) => [...new TextEncoder().encode(s)];
const name = (s: string) => [...u32(bytesOf(s).length), ...bytesOf(s)];
const vec = (items: number[][]) => [...u32(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...u32(body.length), ...body];

const I32 = 0x7f;
const op = {
  localGet: 0x20,
  localSet: 0x21,
  globalGet: 0x23,
  globalSet: 0x24,
  i32Const: 0x41,
  i32Eq: 0x46,
  i32LtS: 0x48,
  i32GtU: 0x4b,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32Or: 0x72,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  if: 0x04,
  void: 0x40,
  return: 0x0f,
  end: 0x0b,
  memorySize: [0x3f, 0x00],
  memoryGrow: [0x40, 0x00],
  memoryCopy: [0xfc, 0x0a, 0x00, 0x00],
};

export interface WasmArtifactOptions {
  readonly channels?: number;
  /** The `qmc.meta` section's text; null leaves the section out. */
  readonly meta?: string | null;
  /** Memory limit in 64 KiB pages: bigger inputs make qmc_prepare return -2. */
  readonly maxPages?: number;
}

/**
 * An identity `.wasm` artifact: input at 0, output right after it, qmc_run copies one to the other.
 * qmc_prepare grows the memory to fit (detaching earlier ArrayBuffers), -1 for empty sizes, -2 when
 * the memory limit is reached.
 */
export function wasmArtifact(options: WasmArtifactOptions = {}): Uint8Array {
  const channels = options.channels ?? 3;
  const meta = options.meta === undefined ? JSON.stringify(testMeta(1, channels)) : options.meta;
  const prepare = [
    ...[op.localGet, 0, op.i32Const, 1, op.i32LtS, op.localGet, 1, op.i32Const, 1, op.i32LtS, op.i32Or],
    ...[op.if, op.void, op.i32Const, ...s32(-1), op.return, op.end],
    ...[op.localGet, 0, op.localGet, 1, op.i32Mul, op.i32Const, ...s32(4 * channels), op.i32Mul, op.globalSet, 0],
    ...[op.globalGet, 0, op.i32Const, 1, op.i32Shl, op.i32Const, ...s32(65535), op.i32Add],
    ...[op.i32Const, 16, op.i32ShrU, op.localSet, 2],
    ...[op.localGet, 2, ...op.memorySize, op.i32GtU, op.if, op.void],
    ...[op.localGet, 2, ...op.memorySize, op.i32Sub, ...op.memoryGrow, op.i32Const, ...s32(-1), op.i32Eq],
    ...[op.if, op.void, op.i32Const, ...s32(-2), op.return, op.end, op.end],
    ...[op.i32Const, 0, op.end],
  ];
  const body = (locals: number[][], code: number[]) => {
    const f = [...vec(locals), ...code];
    return [...u32(f.length), ...f];
  };
  const module = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(
      1,
      vec([
        [0x60, 2, I32, I32, 1, I32],
        [0x60, 0, 1, I32],
      ]),
    ),
    ...section(3, vec([[0], [1], [1], [1]])),
    ...section(5, vec([[0x01, 1, ...u32(options.maxPages ?? 64)]])),
    ...section(6, vec([[I32, 0x01, op.i32Const, 0, op.end]])),
    ...section(
      7,
      vec([
        [...name("memory"), 0x02, 0],
        [...name("qmc_prepare"), 0x00, 0],
        [...name("qmc_input"), 0x00, 1],
        [...name("qmc_output"), 0x00, 2],
        [...name("qmc_run"), 0x00, 3],
      ]),
    ),
    ...section(
      10,
      vec([
        body([[1, I32]], prepare),
        body([], [op.i32Const, 0, op.end]),
        body([], [op.globalGet, 0, op.end]),
        body([], [op.globalGet, 0, op.i32Const, 0, op.globalGet, 0, ...op.memoryCopy, op.i32Const, 0, op.end]),
      ]),
    ),
    ...(meta === null ? [] : section(0, [...name("qmc.meta"), ...bytesOf(meta)])),
  ];
  return new Uint8Array(module);
}
