/**
 * The shape of a generated artifact, independent of its language: a header, sections of module-level
 * variables and functions, and the exported ABI object. The js target prints it as ES5 and the ts
 * target as a typed module; function bodies are ES5 statements (valid TypeScript too) and parameter
 * and return types are TypeScript type text that the ES5 printer leaves out.
 */

export interface Param {
  readonly name: string;
  readonly type: string;
  /** May be left out by callers (TypeScript `name?`); ES5 sees undefined. */
  readonly optional?: boolean;
}

export interface FnDecl {
  readonly name: string;
  readonly params: readonly Param[];
  readonly returns: string;
  readonly doc?: readonly string[];
  /** Statements, indented relative to each other, without the enclosing braces. */
  readonly body: string;
}

export interface VarDecl {
  readonly name: string;
  /** An ES5 expression; its TypeScript type is inferred unless `type` is given. */
  readonly init: string;
  readonly type?: string;
  /** Reassigned after load (the ts target declares it with `let` rather than `const`). */
  readonly mutable?: boolean;
  readonly doc?: readonly string[];
}

export type Item = { readonly fn: FnDecl } | { readonly var: VarDecl };

export interface Section {
  readonly title: string;
  readonly items: readonly Item[];
}

export interface ArtifactModule {
  /** Comment lines at the top of the file. */
  readonly header: readonly string[];
  readonly sections: readonly Section[];
  /** Name of the ABI object and its properties (property name -> ES5 expression). */
  readonly exportName: string;
  readonly exports: readonly { readonly name: string; readonly value: string }[];
}
