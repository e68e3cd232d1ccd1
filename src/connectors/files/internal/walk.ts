/**
 * Listing the files of a directory tree for `DirSource`.
 *
 * @module
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";

/**
 * @internal Paths of the regular files under `dir` (symbolic links to files
 * included, linked directories not followed), relative to `dir` with `/`
 * separators. Subdirectories are walked only when `deep` is set.
 */
export function listFiles(dir: string, deep: boolean): string[] {
  const out: string[] = [];
  walk(dir, "", deep, out);
  return out;
}

function walk(root: string, rel: string, deep: boolean, out: string[]): void {
  const entries = fs.readdirSync(rel === "" ? root : nodePath.join(root, rel), { withFileTypes: true });
  for (const entry of entries) {
    const relPath = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isFile()) {
      out.push(relPath);
    } else if (entry.isDirectory()) {
      if (deep) walk(root, relPath, deep, out);
    } else if (entry.isSymbolicLink() && isFileTarget(nodePath.join(root, relPath))) {
      out.push(relPath);
    }
  }
}

function isFileTarget(path: string): boolean {
  try {
    return fs.statSync(path).isFile();
  } catch {
    return false; // dangling link
  }
}

/**
 * @internal Whether a glob can match a path inside a subdirectory: only a
 * pattern with a `/` or a `**` can (a `*` never matches `/`).
 */
export function globCrossesDirectories(glob: string): boolean {
  return glob.includes("/") || glob.includes("**");
}
