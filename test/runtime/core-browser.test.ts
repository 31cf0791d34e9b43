import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CORE = join(import.meta.dirname, "..", "..", "runtime", "core");

describe("runtime/core runs in browsers", () => {
  for (const file of readdirSync(CORE).filter((f) => f.endsWith(".ts"))) {
    it(`${file} uses no Node-only module or global`, () => {
      const text = readFileSync(join(CORE, file), "utf8");
      expect(text).not.toMatch(/from\s+["'](node:|fs|path|os|url|module|child_process)["/']/);
      expect(text).not.toMatch(/\b(Buffer|process|require|__dirname)\b[.(]/);
      expect(text).not.toMatch(/from\s+["']\.\.\/(?!core\/)/);
    });
  }
});
