/** Names from the ONNX file reach generated code only through these: as identifiers or inside comments. */

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

/** Text safe inside `//` and `/* *\/` comments: one line, no comment terminator, printable ASCII. */
export function commentText(text: string, max = 100): string {
  const clean = text
    .replace(/[^\x20-\x7e]/g, "?")
    .replace(/\*\//g, "* /")
    .trim();
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}
