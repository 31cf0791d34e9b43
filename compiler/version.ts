import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** qmc's package folder and its package.json, found upward from this file (works from source and dist/). */
export function packageRoot(): { dir: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "qmc" && pkg.version) return { dir, version: pkg.version };
    }
    const up = dirname(dir);
    if (up === dir) throw new Error("internal: qmc's package.json not found");
    dir = up;
  }
}

/** qmc's version from its package.json. */
export function compilerVersion(): string {
  return packageRoot().version;
}
