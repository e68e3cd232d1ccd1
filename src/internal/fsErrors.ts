/**
 * File system errors in words, for messages that name the file.
 *
 * @module
 * @internal
 */
import { causeText } from "../errors.js";

/** @internal Human words for the file system errors users hit most (else the error's own text). */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
      return "a parent of it is not a directory";
    case "EROFS":
      return "read-only file system";
    case "ENOSPC":
      return "disk full (no space left on device)";
    case "EPIPE":
      return "its reader went away (EPIPE)";
    default:
      return causeText(err);
  }
}
