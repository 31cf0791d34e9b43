/**
 * The function bodies of a WebAssembly binary, by name: their sizes in the code section and the
 * names from the `name` custom section. Enough of the binary format to weigh one function; binaryen
 * prints the text.
 */

class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.bytes[this.at++];
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  }

  name(): string {
    const n = this.u32();
    const s = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }
}

const IMPORT_SECTION = 2;
const CODE_SECTION = 10;
const FUNCTION_IMPORT = 0;
const FUNCTION_NAMES = 1;

/** Each defined function's body size in bytes (its code-section entry), keyed by its name. */
export function functionBodySizes(bytes: Uint8Array): Map<string, number> {
  const r = new Reader(bytes);
  r.at = 8;
  let imported = 0;
  const sizes: number[] = [];
  const names = new Map<number, string>();
  while (r.at < bytes.length) {
    const id = bytes[r.at++];
    const size = r.u32();
    const end = r.at + size;
    if (id === IMPORT_SECTION) imported = countFunctionImports(new Reader(bytes.subarray(r.at, end)));
    if (id === CODE_SECTION) {
      const s = new Reader(bytes.subarray(r.at, end));
      const count = s.u32();
      for (let i = 0; i < count; i++) {
        const n = s.u32();
        sizes.push(n);
        s.at += n;
      }
    }
    if (id === 0) {
      const s = new Reader(bytes.subarray(r.at, end));
      if (s.name() === "name") readFunctionNames(s, size - s.at, names);
    }
    r.at = end;
  }
  const out = new Map<string, number>();
  for (const [i, n] of sizes.entries()) out.set(names.get(imported + i) ?? `$${imported + i}`, n);
  return out;
}

function countFunctionImports(r: Reader): number {
  const count = r.u32();
  let functions = 0;
  for (let i = 0; i < count; i++) {
    r.name();
    r.name();
    const kind = r.bytes[r.at++];
    if (kind !== FUNCTION_IMPORT) {
      // qmc artifacts import nothing; any other import ends the count (its layout varies by kind).
      return functions;
    }
    r.u32();
    functions++;
  }
  return functions;
}

function readFunctionNames(r: Reader, length: number, names: Map<number, string>): void {
  const end = r.at + length;
  while (r.at < end) {
    const id = r.bytes[r.at++];
    const size = r.u32();
    const next = r.at + size;
    if (id === FUNCTION_NAMES) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const index = r.u32();
        names.set(index, r.name());
      }
    }
    r.at = next;
  }
}
