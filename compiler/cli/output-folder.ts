import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describeWriteError } from "../../runtime/node/files.js";
import { QmcError } from "../diagnostics.js";

export interface OutputFile {
  /** The file's name inside the output folder. */
  readonly name: string;
  readonly contents: string | Uint8Array;
}

const isMissing = (e: unknown) => ["ENOENT", "ENOTDIR"].includes((e as NodeJS.ErrnoException).code ?? "");

/** Refuses an output folder that cannot be one (a file, below a file), so a bad `-o` is named before any work. */
export function checkOutputFolder(dir: string): void {
  missingFolders(dir);
}

/** The folders of `dir` that do not exist yet, innermost first; refuses a path through a file. */
function missingFolders(dir: string): string[] {
  const missing: string[] = [];
  let at = dir;
  for (;;) {
    try {
      if (statSync(at).isDirectory()) return missing;
    } catch (e) {
      if (!isMissing(e) || dirname(at) === at) throw new QmcError(`${dir}: cannot write ${describeWriteError(e)}`);
      missing.push(at);
      at = dirname(at);
      continue;
    }
    throw new QmcError(at === dir ? `${dir}: exists and is not a folder` : `${dir}: ${at} is a file, not a folder`);
  }
}

/**
 * Creates `dir` and its missing parents one level at a time (Node 20's recursive mkdir never
 * returns for some paths, such as /proc/x). Returns the topmost folder it created, if any.
 */
function ensureFolder(dir: string): string | undefined {
  const missing = missingFolders(dir).reverse();
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (e) {
      if (folder !== missing[0]) rmSync(missing[0], { recursive: true, force: true });
      throw new QmcError(`${dir}: cannot create folder ${folder} ${describeWriteError(e)}`);
    }
  }
  return missing[0];
}

/**
 * Writes every file into a staging folder inside `dir` and moves them into place only once all
 * are written, so a failure replaces no existing file and leaves nothing behind (not even `dir`,
 * when this call created it).
 */
export function writeOutputFiles(dir: string, files: readonly OutputFile[]): void {
  const created = ensureFolder(dir);
  let staging: string | undefined;
  try {
    staging = stagingFolder(dir);
    for (const f of files) {
      try {
        writeFileSync(join(staging, f.name), f.contents);
      } catch (e) {
        throw new QmcError(`${join(dir, f.name)}: cannot write ${describeWriteError(e)}`);
      }
    }
    // A rename onto a folder is the one failure left once everything is written: refuse it first.
    for (const f of files) {
      const path = join(dir, f.name);
      if (isFolder(path)) throw new QmcError(`${path}: cannot write ${describeWriteError({ code: "EISDIR" })}`);
    }
    for (const f of files) renameSync(join(staging, f.name), join(dir, f.name));
  } catch (e) {
    if (created) rmSync(created, { recursive: true, force: true });
    throw e;
  } finally {
    if (staging) rmSync(staging, { recursive: true, force: true });
  }
}

function stagingFolder(dir: string): string {
  try {
    return mkdtempSync(join(dir, ".qmc-staging-"));
  } catch (e) {
    throw new QmcError(`${dir}: cannot write ${describeWriteError(e)}`);
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
