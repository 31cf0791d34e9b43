import type { KernelPlan } from "../../compiler/plan/kernel-plan.js";
import type { ArtifactModule, FnDecl, VarDecl } from "../shared/artifact.js";
import { CodeWriter } from "../shared/code-writer.js";
import { buildArtifactModule, type EmitOptions } from "./module.js";

function writeDoc(w: CodeWriter, doc: readonly string[] | undefined): void {
  if (doc) w.comment(...doc);
}

function writeVar(w: CodeWriter, v: VarDecl): void {
  writeDoc(w, v.doc);
  const [first, ...rest] = v.init.split("\n");
  if (rest.length === 0) {
    w.line(`var ${v.name} = ${first};`);
    return;
  }
  // A multi-line initializer keeps its own relative indentation.
  w.line(`var ${v.name} = ${first}`);
  w.list([...rest.slice(0, -1), `${rest[rest.length - 1]};`], "");
}

function writeFn(w: CodeWriter, f: FnDecl): void {
  writeDoc(w, f.doc);
  w.block(`function ${f.name}(${f.params.map((p) => p.name).join(", ")})`, () => w.text(f.body));
}

/** Prints an artifact module as one ES5.1 script (module.exports where it exists, else a global). */
export function printEs5(m: ArtifactModule): string {
  const w = new CodeWriter();
  w.line("/*");
  for (const l of m.header) w.line(l === "" ? " *" : ` * ${l}`);
  w.line(" */");
  w.block(
    "(function (root)",
    () => {
      w.line('"use strict";');
      for (const s of m.sections) {
        w.line();
        w.comment(`---- ${s.title} ----`);
        let previousFn = true;
        for (const item of s.items) {
          // Plain variables run together; functions and documented variables stand apart.
          if ("fn" in item || previousFn || item.var.doc !== undefined) w.line();
          if ("fn" in item) writeFn(w, item.fn);
          else writeVar(w, item.var);
          previousFn = "fn" in item;
        }
      }
      w.line();
      w.block(
        `var ${m.exportName} =`,
        () => {
          w.list(m.exports.map((e) => `${e.name}: ${e.value}`));
        },
        "};",
      );
      w.line(`if (typeof module === "object" && module && module.exports) module.exports = ${m.exportName};`);
      w.line(`else root.${m.exportName} = ${m.exportName};`);
    },
    "})(this);",
  );
  return w.toString();
}

/** The `js` target: one ES5.1 script carrying its weights, exposing the bundle ABI. */
export function emitJs(plan: KernelPlan, options: EmitOptions): string {
  return printEs5(buildArtifactModule(plan, options, options.target ?? "js"));
}
