/**
 * Store failures on real files: a partition file that is garbage, empty,
 * another database, corrupt, read-only or not accessible, and a recovery
 * directory that cannot be listed. Each is a `PartitionFileError` naming the
 * file, the problem in words and what to do, raised before any item is read.
 *
 * Permissions are checked by a `sluice run` of a user the files deny: the
 * test's own user, or `nobody` when the tests run as root (root passes every
 * permission check).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { Dataflow, PartitionFileError, RecoveryConfig, RecoveryError, initDbDir } from "../../src/index.js";
import { runMain, TestingSink, TestingSource } from "../../src/testing/index.js";
import { partitionFailure } from "../../src/recovery/partitionFailure.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "sluice.js");
const NOBODY = 65534;
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) {
    chmodTree(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Give the owner back every permission under `dir`, so it can be removed. */
function chmodTree(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) chmodTree(path);
    else chmodSync(path, 0o644);
  }
}

/** A recovery directory `<tmp>/state` of `partitions` partitions; `<tmp>` is open to every user. */
function recoveryDir(partitions = 1): string {
  const base = mkdtempSync(join(tmpdir(), "sluice-store-err-"));
  dirs.push(base);
  chmodSync(base, 0o755);
  const dir = join(base, "state");
  mkdirSync(dir);
  initDbDir(dir, partitions);
  return dir;
}

/** A running sum per key over `items`. */
function sums(items: readonly (readonly [string, number])[], out: unknown[]): Dataflow {
  const flow = new Dataflow("sums");
  flow
    .input("in", new TestingSource(items, 100))
    .statefulMap("sum", (s: number | undefined, v: number) => [(s ?? 0) + v, (s ?? 0) + v] as const)
    .output("out", new TestingSink(out));
  return flow;
}

/** Run `sums` on `dir`; the error it fails with, and what it output. */
async function failure(dir: string): Promise<{ err: PartitionFileError; out: unknown[] }> {
  const out: unknown[] = [];
  const err = await runMain(sums([["a", 1]], out), { recovery: new RecoveryConfig(dir) }).then(
    () => new Error("the run did not fail"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PartitionFileError);
  expect(err).toBeInstanceOf(RecoveryError);
  return { err: err as PartitionFileError, out };
}

/** `sluice <args>` as a user the test's chmods apply to (not root). */
function sluiceAsUser(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const asRoot = process.getuid?.() === 0;
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("SLUICE_")) delete env[name];
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env,
    encoding: "utf8",
    timeout: 30_000,
    ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const RUN = ["run", "test/run/fixtures/flows.ts:sums", "-s", "0", "-b", "0", "-r"];

describe("store failures on partition files", () => {
  it("names a partition file overwritten with garbage, says it is not a recovery file and what to do", async () => {
    const dir = recoveryDir(2);
    const file = join(dir, "part-1.sqlite3");
    writeFileSync(file, "this is not a database\n".repeat(500));
    const { err, out } = await failure(dir);
    expect(err.file).toBe(file);
    expect(err.problem).toBe("not a recovery file");
    expect(err.message).toContain(`recovery partition file ${file} is not a recovery file (SQLite: file is not a database)`);
    expect(err.message).toContain("Restore it (with its -wal file) from a backup");
    expect(err.message).toContain(`run \`sluice recovery init ${dir} <partitions>\` to start over`);
    expect((err.cause as { code?: string }).code).toBe("SQLITE_NOTADB");
    expect(out).toEqual([]); // before any item was read
  });

  it("says the same on the command line, without a stack trace", () => {
    const dir = recoveryDir();
    writeFileSync(join(dir, "part-0.sqlite3"), Buffer.alloc(8192, 0x5a));
    const r = sluiceAsUser([...RUN, dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`sluice run: PartitionFileError: recovery partition file ${join(dir, "part-0.sqlite3")} is not a recovery file`);
    expect(r.stderr).not.toContain("    at ");
  });

  it("takes an empty file, or another SQLite database, for what it is and leaves it untouched", async () => {
    const dir = recoveryDir();
    const file = join(dir, "part-0.sqlite3");
    writeFileSync(file, "");
    const empty = await failure(dir);
    expect(empty.err.problem).toBe("not a recovery file");
    expect(empty.err.message).toContain(`${file} is not a recovery file: it is empty`);
    expect(statSync(file).size).toBe(0);

    rmSync(file);
    const other = new Database(file);
    other.exec("CREATE TABLE notes (text TEXT)");
    other.close();
    const before = readFileSync(file);
    const foreign = await failure(dir);
    expect(foreign.err.message).toContain(`${file} is not a recovery file: it is an SQLite database without Sluice's tables`);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it("names a corrupt partition file (damaged pages past the header)", async () => {
    const dir = recoveryDir();
    const items = Array.from({ length: 2000 }, (_, i) => [`k${i}`, i] as const);
    await runMain(sums(items, []), { recovery: new RecoveryConfig(dir), epochInterval: 0 });
    const file = join(dir, "part-0.sqlite3");
    // Keep the first page (the header and the schema), overwrite every page after it but the last.
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(3 * 4096);
    const fd = openSync(file, "r+");
    writeSync(fd, Buffer.alloc(size - 2 * 4096, 0xa5), 0, size - 2 * 4096, 4096);
    closeSync(fd);
    const { err, out } = await failure(dir);
    expect(err.file).toBe(file);
    expect(err.problem).toBe("corrupt");
    expect(err.message).toContain(`recovery partition file ${file} is corrupt (SQLite: database disk image is malformed)`);
    expect(err.message).toContain("Restore it (with its -wal file) from a backup");
    expect(out).toEqual([]);
  });

  it("names a read-only partition file", () => {
    const dir = recoveryDir();
    const file = join(dir, "part-0.sqlite3");
    chmodSync(dir, 0o777);
    chmodSync(file, 0o444);
    const r = sluiceAsUser([...RUN, dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`sluice run: PartitionFileError: cannot write recovery partition file ${file}: it is read-only`);
    expect(r.stderr).toContain("make the file and");
    expect(r.stderr).not.toContain("    at ");
    expect(r.stdout).toBe("");
  });

  it("names the partition file of a read-only directory, where SQLite cannot create its -wal file", () => {
    const dir = recoveryDir();
    const file = join(dir, "part-0.sqlite3");
    chmodSync(file, 0o666);
    chmodSync(dir, 0o555);
    const r = sluiceAsUser([...RUN, dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot write recovery partition file ${file}: it is read-only`);
    expect(r.stderr).toContain("part-0.sqlite3-wal and part-0.sqlite3-shm next to it");
  });

  it("names a partition file the user may not open (permission denied)", () => {
    const dir = recoveryDir();
    const file = join(dir, "part-0.sqlite3");
    chmodSync(dir, 0o777);
    chmodSync(file, 0o000);
    const r = sluiceAsUser([...RUN, dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`sluice run: PartitionFileError: cannot open recovery partition file ${file}: permission denied`);
    expect(r.stderr).toContain("Give the user running the flow read and write access");
    expect(r.stderr).not.toContain("    at ");
  });

  it("names a recovery directory the user may not list (permission denied)", () => {
    const dir = recoveryDir();
    chmodSync(dir, 0o000);
    const r = sluiceAsUser([...RUN, dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`sluice run: PartitionFileError: cannot list recovery directory ${dir}: permission denied (EACCES)`);
    expect(r.stderr).not.toContain("    at ");
  });

  it("names the file recovery init cannot create in a directory the user may not write", () => {
    const base = mkdtempSync(join(tmpdir(), "sluice-store-err-"));
    dirs.push(base);
    chmodSync(base, 0o555);
    const r = sluiceAsUser(["recovery", "init", base, "2"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `sluice recovery init: PartitionFileError: cannot open recovery partition file ${join(base, "part-0.sqlite3")}: permission denied`,
    );
    expect(r.stderr).not.toContain("    at ");
  });

  it("says a file is read-only in words for SQLite's SQLITE_READONLY (a read-only mount), keeping the SqliteError as cause", () => {
    // A real SQLITE_READONLY, as on a read-only mount (where chmod cannot be used, and root writes anyway): a write through a read-only handle.
    const dir = recoveryDir();
    const file = join(dir, "part-0.sqlite3");
    const db = new Database(file, { readonly: true });
    let readOnly: unknown;
    try {
      db.prepare("INSERT INTO exs VALUES (1, 1, 1, 'now')").run();
    } catch (err) {
      readOnly = err;
    }
    db.close();
    expect((readOnly as { code?: string }).code).toBe("SQLITE_READONLY");
    const err = partitionFailure(file, readOnly) as PartitionFileError;
    expect(err).toBeInstanceOf(PartitionFileError);
    expect(err.file).toBe(file);
    expect(err.problem).toBe("read-only");
    expect(err.message).toBe(
      `cannot write recovery partition file ${file}: it is read-only (SQLite: attempt to write a readonly database). Sluice writes it, ` +
        `and creates part-0.sqlite3-wal and part-0.sqlite3-shm next to it: make the file and ${dir} writable for the user running the flow`,
    );
    expect(err.cause).toBe(readOnly);
    // The file system's word for a read-only mount says the same.
    const erofs = Object.assign(new Error("read-only file system"), { code: "EROFS" });
    expect((partitionFailure(file, erofs) as PartitionFileError).problem).toBe("read-only");
  });

  it("names the unreadable partition file in `recovery verify` (a finding, exit 1) and `recovery inspect` (exit 1)", () => {
    const dir = recoveryDir();
    const file = join(dir, "part-0.sqlite3");
    chmodSync(dir, 0o777);
    chmodSync(file, 0o000);
    const v = sluiceAsUser(["recovery", "verify", dir]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`cannot open recovery partition file ${file}: permission denied`);
    expect(v.stdout.trim().split("\n")).toHaveLength(1);
    const i = sluiceAsUser(["recovery", "inspect", dir]);
    expect(i.code).toBe(1);
    expect(i.stderr).toContain(`cannot open recovery partition file ${file}: permission denied`);
  });

  it("names a recovery directory under a parent the user may not search, instead of calling it missing", () => {
    const dir = recoveryDir();
    const base = join(dir, "..");
    chmodSync(base, 0o000);
    const r = sluiceAsUser([...RUN, dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`PartitionFileError: cannot list recovery directory ${dir}: permission denied (EACCES)`);
    expect(r.stderr).not.toContain("does not exist");
  });

  it("says a disk is full in words, for SQLite's SQLITE_FULL", () => {
    // A real SQLITE_FULL: a database allowed no more pages than it has.
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t (b BLOB)");
    db.pragma("max_page_count = 2");
    let full: unknown;
    try {
      for (let i = 0; i < 100; i++) db.prepare("INSERT INTO t VALUES (randomblob(4000))").run();
    } catch (err) {
      full = err;
    }
    db.close();
    expect((full as { code?: string }).code).toBe("SQLITE_FULL");
    const err = partitionFailure("state/part-3.sqlite3", full) as PartitionFileError;
    expect(err).toBeInstanceOf(PartitionFileError);
    expect(err.problem).toBe("disk full");
    expect(err.message).toBe(
      "cannot write recovery partition file state/part-3.sqlite3: the disk is full (SQLite: database or disk is full). " +
        "Free some space, then start the run again: it resumes from the last committed epoch",
    );
    expect(err.cause).toBe(full);
  });
});
