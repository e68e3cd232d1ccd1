/**
 * The context of the TypeScript code blocks in README.md and docs/*.md
 * (checked by test/docs/codeBlocks.test.ts).
 *
 * A guide's code block is often a fragment: it uses `flow`, `out` or
 * `TestingSource` that an earlier block of the page declared or imported. So
 * that every block is still type-checked (and, when it states a result, run)
 * on its own, a block may use any name exported here without declaring it:
 * the check imports, from this module, each exported name the block uses and
 * does not declare or import itself (a block's own declaration always wins).
 *
 * - Every public export of `sluice`, `sluice/testing` and the connectors, as
 *   if the page's imports were in scope.
 * - `flow`: a `Dataflow`; `out`: the array a `TestingSink` appends to;
 *   `keyed`: a keyed stream of numbers in `flow`.
 *
 * Keep this list short: a name a reader cannot guess the type of belongs in
 * the block that uses it.
 */
import { Dataflow, type KeyedStream } from "sluice";
import { TestingSource } from "sluice/testing";

export * from "sluice";
export * from "sluice/testing";
export * from "sluice/connectors/files";
export * from "sluice/connectors/stdio";
export * from "sluice/connectors/demo";
export * from "sluice/connectors/rxjs";
export * from "sluice/connectors/tcp";
export * from "sluice/connectors/kafka";
export * from "sluice/functions";

/** The flow a fragment adds its steps to. */
export const flow = new Dataflow("docs");

/** What a fragment's `TestingSink` collects: `// out = [...]` states it after the run. */
export const out: any[] = [];

/** A keyed stream of numbers, for fragments about keyed state. */
export const keyed: KeyedStream<number> = flow.input("keyed", new TestingSource<readonly [string, number]>([]));
