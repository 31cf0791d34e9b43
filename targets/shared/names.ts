import { jsonEscape, visibleEscape } from "../../compiler/diagnostics.js";

/**
 * Model strings (file name, node and value names, anything from the ONNX file) reach generated code
 * only through these: as identifiers (JS, TS and wasm names alike), inside comments, or as literals.
 */

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally " +
    "for function if implements import in instanceof interface let new null package private protected public " +
    "return static super switch this throw true try typeof var void while with yield arguments eval undefined"
  ).split(" "),
);

/**
 * A safe identifier fragment: letters, digits and underscores only, at most `max` characters. Long
 * names keep their end, cut at an underscore: exported graphs name values by their module path, so
 * the end (e.g. `self_attention_Mul_3`) is what tells them apart; ONNX's `_output_0` adds nothing.
 */
export function identifierPart(name: string, max = 24): string {
  const cleaned = name
    .replace(/_output_0$/, "")
    .replace(/[^A-Za-z0-9_]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^_|_$/g, "");
  if (cleaned.length <= max) return cleaned;
  const end = cleaned.slice(-max);
  const cut = end.indexOf("_");
  return cut >= 0 && cut < end.length - 1 ? end.slice(cut + 1) : end;
}

/** A whole identifier built from a prefix the generator controls and a name it does not. */
export function identifier(prefix: string, name: string, max = 24): string {
  const part = identifierPart(name, max);
  const id = part ? `${prefix}_${part}` : prefix;
  return RESERVED.has(id) ? `${id}_` : id;
}

/**
 * Text safe inside `//` and `/* *\/` comments: one printable-ASCII line (anything else shown as
 * `\xNN` or `\u{...}`), no comment terminator, and no `</` or `<!`, which end or confuse a script
 * element when the artifact is inlined into an HTML page.
 */
export function commentText(text: string, max = 100): string {
  const clean = text
    .replace(/[^\x20-\x7e]/gu, visibleEscape)
    .replace(/\*\//g, "* /")
    .replace(/<(?=[/!])/g, "<\\")
    .trim();
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}

/**
 * A JSON value as text that is at once JSON and an ES5 expression: printable ASCII only (U+2028 and
 * U+2029, which end an ES5 string literal, and all other characters escaped as `\uXXXX`), and `<`
 * escaped too, so no `</script>` or `<!--` appears when the artifact is inlined into a page. For
 * string literals and `meta` in the js and ts artifacts, and the wasm `qmc.meta` section.
 */
export function asciiJson(value: unknown, indent?: number): string {
  // Outside strings JSON.stringify writes only ASCII, and raw line breaks only as indentation.
  return JSON.stringify(value, null, indent).replace(/[^\x20-\x7e\n]|</g, jsonEscape);
}
