// Run by relaxed.test.ts as `node --experimental-wasm-relaxed-simd --no-liftoff relaxed-child.mjs`
// (Node 20 runs relaxed SIMD only behind that flag). Reads jobs as JSON on stdin: a module, a size,
// input floats to write and an output to read, at byte offsets from qmc_input(); prints each
// output's bytes as hex.
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const jobs = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const outputs = [];
for (const job of jobs) {
  const { instance } = await WebAssembly.instantiate(Buffer.from(job.wasm, "base64"), {});
  const exports = instance.exports;
  if (exports.qmc_prepare(job.h, job.w) !== 0) throw new Error(`${job.name}: qmc_prepare failed`);
  const base = exports.qmc_input();
  for (const input of job.inputs) {
    new Uint8Array(exports.memory.buffer).set(Buffer.from(input.bytes, "base64"), base + input.at);
  }
  if (exports.qmc_run() !== 0) throw new Error(`${job.name}: qmc_run failed`);
  const at = base + job.output.at;
  outputs.push(Buffer.from(exports.memory.buffer, at, job.output.bytes).toString("hex"));
}
process.stdout.write(JSON.stringify(outputs));
