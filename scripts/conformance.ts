// Runs the shared ONNX conformance cases through the reference interpreter.
//   npx tsx scripts/conformance.ts [--filter SUBSTRING] [--write]
// Prints each supported case's result; --write rewrites test/conformance/status.tsv (every case run,
// so use it without --filter). Known-fail reasons written by hand (not "auto:") are kept while the
// case still fails.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { listConformanceCases, parseStatusFile, runConformanceCase } from "../compiler/verify/conformance.js";

const { values: args } = parseArgs({ options: { filter: { type: "string" }, write: { type: "boolean" } } });
if (args.write && args.filter) throw new Error("--write rewrites the whole status file: run it without --filter");

const root = join(import.meta.dirname, "..", "..", "shared", "conformance", "onnx-node");
const file = join(import.meta.dirname, "..", "test", "conformance", "status.tsv");
const previous = existsSync(file) ? parseStatusFile(readFileSync(file, "utf8")) : new Map<string, string>();

const rows: string[] = [];
let pass = 0;
let fail = 0;
let unsupported = 0;
for (const c of listConformanceCases(root)) {
  if (args.filter && !c.id.toLowerCase().includes(args.filter.toLowerCase())) continue;
  const r = runConformanceCase(join(root, c.id));
  if (r.status === "unsupported") {
    unsupported++;
    if (args.filter) console.log(`unsupported ${c.id}: ${r.ops.join("; ")}`);
    continue;
  }
  if (r.status === "pass") {
    pass++;
    rows.push(`${c.id}\tpass`);
    if (args.filter) console.log(`pass        ${c.id}`);
  } else {
    fail++;
    console.log(`FAIL        ${c.id}: ${r.reason}`);
    const old = previous.get(c.id);
    const kept =
      old?.startsWith("known-fail:") && !old.startsWith("known-fail: auto:") ? old : `known-fail: auto: ${r.reason}`;
    rows.push(`${c.id}\t${kept}`);
  }
}
if (args.write) {
  const header = [
    "# Status of every shared ONNX conformance case whose ops qmc supports (npx tsx scripts/conformance.ts --write).",
    "# 'pass' cases must keep passing; a known-fail reason written by hand (not 'auto:') survives regeneration.",
  ];
  writeFileSync(file, `${[...header, ...rows].join("\n")}\n`);
}
console.log(`pass ${pass}, fail ${fail}, unsupported ${unsupported}`);
