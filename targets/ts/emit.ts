import {
  IndentationText,
  Project,
  type StatementStructures,
  StructureKind,
  ts,
  VariableDeclarationKind,
} from "ts-morph";
import type { KernelPlan } from "../../compiler/plan/kernel-plan.js";
import { buildArtifactModule, type EmitOptions } from "../js/module.js";
import type { ArtifactModule } from "../shared/artifact.js";

/**
 * Function bodies are the js target's ES5, where a kernel may declare a local helper of scalars
 * (`function dlsValue(q)`); `tsc --strict` refuses its untyped parameters as implicit any. They are
 * typed `number`: a local helper of anything else then fails the strict type-check, loudly.
 */
function typeLocalFunctions(body: string): string {
  if (!body.includes("function")) return body;
  const file = ts.createSourceFile("body.ts", body, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const untyped: number[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionDeclaration(node)) for (const p of node.parameters) if (!p.type) untyped.push(p.name.end);
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = body;
  for (const at of untyped.sort((a, b) => b - a)) out = `${out.slice(0, at)}: number${out.slice(at)}`;
  return out;
}

/**
 * Prints an artifact module as one typed TypeScript module with ts-morph: the js target's kernels,
 * helpers and ABI functions with typed parameters and returns, `let`/`const` for module state, and
 * the ABI object exported by name and as the default export.
 */
export function printTypeScript(m: ArtifactModule): string {
  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { indentationText: IndentationText.TwoSpaces },
  });
  // One structure list printed once: adding statements one by one re-parses the file each time.
  const statements: (string | StatementStructures)[] = [
    ["/*", ...m.header.map((l) => (l === "" ? " *" : ` * ${l}`)), " */"].join("\n"),
  ];
  for (const s of m.sections) {
    statements.push(`// ---- ${s.title} ----`);
    for (const item of s.items) {
      if ("fn" in item) {
        const f = item.fn;
        statements.push({
          kind: StructureKind.Function,
          name: f.name,
          parameters: f.params.map((p) => ({ name: p.name, type: p.type, hasQuestionToken: p.optional })),
          returnType: f.returns,
          statements: typeLocalFunctions(f.body.replace(/^\n+/, "").trimEnd()),
          leadingTrivia: f.doc ? f.doc.map((l) => `// ${l}`).join("\n") : undefined,
        });
      } else {
        const v = item.var;
        statements.push({
          kind: StructureKind.VariableStatement,
          declarationKind: v.mutable ? VariableDeclarationKind.Let : VariableDeclarationKind.Const,
          declarations: [{ name: v.name, type: v.type, initializer: v.init }],
          leadingTrivia: v.doc ? v.doc.map((l) => `// ${l}`).join("\n") : undefined,
        });
      }
    }
  }
  statements.push(
    {
      kind: StructureKind.VariableStatement,
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      declarations: [
        { name: m.exportName, initializer: `{\n${m.exports.map((e) => `  ${e.name}: ${e.value},`).join("\n")}\n}` },
      ],
    },
    { kind: StructureKind.ExportAssignment, isExportEquals: false, expression: m.exportName },
  );
  const file = project.createSourceFile("artifact.ts", { statements });
  // ts-morph indents inserted text on top of its own indentation; the formatter evens it out.
  file.formatText({ indentSize: 2, convertTabsToSpaces: true });
  return file.getFullText();
}

/** The `ts` target: one readable TypeScript module carrying its weights, exporting the bundle ABI. */
export function emitTs(plan: KernelPlan, options: EmitOptions): string {
  return printTypeScript(buildArtifactModule(plan, options, options.target ?? "ts"));
}
