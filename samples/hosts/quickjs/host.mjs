#!/usr/bin/env node
/*
 * A minimal QuickJS host for a qmc ES5 artifact (QuickJS compiled to WebAssembly: the
 * quickjs-emscripten package). Raw 8-bit pixels in on stdin, the restored pixels out on stdout:
 *
 *   node samples/hosts/quickjs/host.mjs MODEL.js WIDTH HEIGHT [CHANNELS]
 *        [--weights MODEL.bin] [--memory-limit BYTES] < in.raw > out.raw
 *
 * --weights: an artifact compiled with `--weights external` reads its weights through one host
 * function, read(offset, length), answered here from the file. --memory-limit: QuickJS's
 * setMemoryLimit. On stderr: the time and the QuickJS heap's peak (sampled while it runs).
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { getQuickJS } from "quickjs-emscripten";

const USAGE =
  "usage: host.mjs MODEL.js WIDTH HEIGHT [CHANNELS] [--weights MODEL.bin] [--memory-limit BYTES] < in.raw > out.raw";

function parseArgs(argv) {
  const positional = [];
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--weights" || argv[i] === "--memory-limit") options[argv[i].slice(2)] = argv[++i];
    else positional.push(argv[i]);
  }
  const [model, ...sizes] = positional;
  const [width, height, channels = 3] = sizes.map(Number);
  const limit = options["memory-limit"] === undefined ? undefined : Number(options["memory-limit"]);
  const counts = [width, height, channels, ...(limit === undefined ? [] : [limit])];
  if (!model || sizes.length < 2 || sizes.length > 3 || !counts.every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(USAGE);
  }
  return { model, width, height, channels, weights: options.weights, limit };
}

/** Evaluates code in the context; a QuickJS exception becomes a host Error with its message. */
function evaluate(vm, code) {
  const result = vm.evalCode(code);
  if (result.error) {
    const error = vm.dump(result.error);
    result.error.dispose();
    throw new Error(`QuickJS: ${error?.message ?? JSON.stringify(error)}`);
  }
  const value = vm.dump(result.value);
  result.value.dispose();
  return value;
}

/** The weights file, read at offsets on request: it never sits whole in the QuickJS heap. */
function weightsReader(vm, file) {
  const fd = openSync(file, "r");
  const read = vm.newFunction("read", (offsetHandle, lengthHandle) => {
    const offset = vm.getNumber(offsetHandle);
    const length = vm.getNumber(lengthHandle);
    const bytes = Buffer.alloc(length);
    const got = readSync(fd, bytes, 0, length, offset);
    return vm.newArrayBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + got));
  });
  return { read, close: () => closeSync(fd) };
}

export async function restoreRaw({ model, width, height, channels, weights, limit }, pixels) {
  const QuickJS = await getQuickJS();
  const runtime = QuickJS.newRuntime();
  if (limit !== undefined) runtime.setMemoryLimit(limit);
  const vm = runtime.newContext();
  let peak = 0;
  let calls = 0;
  const sample = () => {
    const usage = runtime.computeMemoryUsage();
    const used = vm.getProp(usage, "memory_used_size");
    peak = Math.max(peak, vm.getNumber(used));
    used.dispose();
    usage.dispose();
  };
  // QuickJS calls this every few thousand operations; one call in 64 samples the heap.
  runtime.setInterruptHandler(() => {
    if (++calls % 64 === 0) sample();
    return false;
  });
  const started = Date.now();
  try {
    evaluate(vm, readFileSync(model, "utf8"));
    if (weights !== undefined) {
      const reader = weightsReader(vm, weights);
      try {
        const qmc = vm.getProp(vm.global, "qmc");
        const load = vm.getProp(qmc, "qmc_load_weights");
        const rc = vm.unwrapResult(vm.callFunction(load, qmc, reader.read));
        const code = vm.getNumber(rc);
        for (const h of [rc, load, qmc]) h.dispose();
        if (code !== 0) throw new Error(`qmc_load_weights returned ${code}: ${weights} is not this artifact's`);
      } finally {
        reader.read.dispose();
        reader.close();
      }
    }
    const input = vm.newArrayBuffer(pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.length));
    vm.setProp(vm.global, "QMC_PIXELS", input);
    input.dispose();
    evaluate(
      vm,
      `var QMC_OUT = qmc.restore(new Uint8Array(QMC_PIXELS), ${width}, ${height}, ${channels}).data; QMC_PIXELS = null;`,
    );
    sample();
    const out = vm.getProp(vm.global, "QMC_OUT");
    const buffer = vm.getProp(out, "buffer");
    const bytes = vm.getArrayBuffer(buffer);
    const data = Uint8Array.from(bytes.value);
    for (const h of [bytes, buffer, out]) h.dispose();
    return { data, ms: Date.now() - started, peakHeapBytes: peak };
  } finally {
    vm.dispose();
    runtime.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const args = parseArgs(process.argv.slice(2));
    const result = await restoreRaw(args, readFileSync(0));
    process.stdout.write(result.data);
    process.stderr.write(`${result.ms} ms, QuickJS heap peak ${result.peakHeapBytes} bytes\n`);
  } catch (e) {
    process.stderr.write(`host: ${e.message}\n`);
    process.exitCode = 1;
  }
}
