#!/usr/bin/env node
// tsc emits only what it compiles; the generated protobuf module is plain JS and is copied beside it.
import { copyFileSync, mkdirSync } from "node:fs";

mkdirSync("dist/compiler/onnx", { recursive: true });
copyFileSync("compiler/onnx/onnx-proto.js", "dist/compiler/onnx/onnx-proto.js");
