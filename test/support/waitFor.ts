/**
 * `waitForWrites`: wait, in real time, for files that a virtual clock cannot
 * drive to be written (by worker threads, child processes). Event-driven:
 * it checks again at every change in the directory, so the wait is exactly
 * as long as the work, with no polling and no timer.
 */
import { watch } from "node:fs";

/**
 * Resolve with the first value of `check()` that is neither `undefined` nor
 * `false`, checking at once and again whenever a file in `dir` is created,
 * written or removed.
 *
 * A wait that never ends fails with the test's timeout; one that can end
 * otherwise should say so through `unlessSettled`.
 *
 * @param dir - The directory the awaited files are written in.
 * @param what - What is awaited, for error messages ("both workers to write").
 * @param check - Reads the files; a value other than `undefined`/`false` ends the wait.
 * @param unlessSettled - What writes the files (the run): if it settles
 *   first, the wait fails with its error, or saying it ended.
 */
export function waitForWrites<T>(dir: string, what: string, check: () => T | undefined | false, unlessSettled?: Promise<unknown>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // Watching before the first check: no write is missed in between.
    const watcher = watch(dir);
    let done = false;
    const finish = (err: unknown, value?: T): void => {
      if (done) return;
      done = true;
      watcher.close();
      if (err === undefined) resolve(value as T);
      else reject(err);
    };
    const again = (): void => {
      if (done) return;
      try {
        const got = check();
        if (got !== undefined && got !== false) finish(undefined, got);
      } catch (err) {
        finish(err);
      }
    };
    watcher.on("change", again);
    watcher.on("error", (err) => finish(err));
    void unlessSettled?.then(
      () => {
        again();
        finish(new Error(`ended before ${what}`));
      },
      (err: unknown) => finish(err),
    );
    again();
  });
}
