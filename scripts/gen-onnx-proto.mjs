#!/usr/bin/env node
// Regenerates compiler/onnx/onnx-proto.js (+ .d.ts) from the vendored compiler/onnx/onnx.proto.
// The output is committed so that installs and CI never need protobufjs-cli.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "compiler", "onnx");
const bin = (name) => join(root, "node_modules", ".bin", name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: dir, stdio: "inherit" });

// Decoders for the compiler, encoders for tests that build models; no verifiers or JSON converters.
run(bin("pbjs"), [
  "-t",
  "static-module",
  "-w",
  "es6",
  "--es6",
  "--no-verify",
  "--no-convert",
  "--no-delimited",
  "--no-service",
  "-o",
  "onnx-proto.js",
  "onnx.proto",
]);
run(bin("pbts"), ["-o", "onnx-proto.d.ts", "onnx-proto.js"]);
