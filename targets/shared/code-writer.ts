/**
 * Writes generated source line by line, owning the indentation so that generators never pad strings
 * themselves: `block` opens a brace and indents what its callback writes.
 */
export class CodeWriter {
  private readonly out: string[] = [];
  private depth = 0;

  constructor(private readonly unit = "  ") {}

  /** One line at the current indentation; an empty line stays empty. */
  line(text = ""): this {
    this.out.push(text === "" ? "" : this.unit.repeat(this.depth) + text);
    return this;
  }

  /** A block of text whose lines are already indented relative to each other (a fixed helper's source). */
  text(source: string): this {
    for (const l of source.replace(/^\n+|\s+$/g, "").split("\n")) this.line(l);
    return this;
  }

  /** `head {`, the body indented one level, then `tail` (`}` by default; `});` and `} else {` also fit). */
  block(head: string, body: () => void, tail = "}"): this {
    this.line(`${head} {`);
    this.indented(body);
    return this.line(tail);
  }

  indented(body: () => void): this {
    this.depth++;
    body();
    this.depth--;
    return this;
  }

  /** Items one per line, each but the last followed by `separator` (array and object literals). */
  list(items: readonly string[], separator = ","): this {
    items.forEach((item, i) => {
      this.line(i < items.length - 1 ? `${item}${separator}` : item);
    });
    return this;
  }

  /** `//` comment lines. */
  comment(...lines: readonly string[]): this {
    for (const l of lines) this.line(l === "" ? "//" : `// ${l}`);
    return this;
  }

  toString(): string {
    return `${this.out.join("\n")}\n`;
  }
}
