/**
 * Fusing a chain of per-item steps (`map`, `filter`, `filterMap`, `flatMap`,
 * `keyOn`, and the operators built on them) into one loop over the batch.
 *
 * Run one by one, each step of a chain makes a new array of the batch and
 * calls its user function from a call site shared by every step of its kind,
 * which the JIT cannot inline. The fused loop is compiled for the chain
 * (`new Function`), so every user function has a call site of its own that
 * the JIT can inline, and each item goes through the whole chain without
 * intermediate arrays. Results and errors are those of the steps run one by
 * one: same items in the same order, the same `TypeError`s, attributed to
 * the step whose function failed. Only the interleaving of calls between the
 * steps of a chain changes (item by item instead of batch by batch), which
 * the step contract leaves open.
 *
 * @module
 * @internal
 */
import { describeType } from "../../errors.js";
import type { PerItem } from "../../dataflow/internal/steps.js";

/**
 * @internal Thrown by a fused loop: which stage failed, and why; for a stage
 * over keyed items (`PerItem.keyed`), the key of the item it failed on.
 */
export class StageFailure {
  constructor(
    readonly stage: number,
    readonly cause: unknown,
    readonly key?: unknown,
  ) {}
}

/** @internal A fused loop over a batch. */
export type FusedLoop = (xs: unknown[]) => unknown[];

const helpers = {
  notBoolean(got: unknown): TypeError {
    return new TypeError(`\`filter\` predicate must return a boolean; got ${describeType(got)}`);
  },
  notString(got: unknown): TypeError {
    return new TypeError(`\`keyOn\` key function must return a string; got ${describeType(got)}`);
  },
  /** The items of a non-array iterable, or the error of `flatMap`. */
  items(got: unknown): unknown[] {
    if (got != null && typeof (got as Iterable<unknown>)[Symbol.iterator] === "function") return Array.from(got as Iterable<unknown>);
    throw new TypeError(`\`flatMap\` mapper must return an iterable; got ${describeType(got)}`);
  },
  fail(stage: number, cause: unknown, key?: unknown): StageFailure {
    return new StageFailure(stage, cause, key);
  },
};

/** The code applying stages `j..` to the item in variable `v`; the last appends to `out`. */
function stageCode(stages: readonly PerItem[], j: number, v: string): string {
  if (j === stages.length) return `out[k++] = ${v};`;
  const next = `v${j + 1}`;
  // A stage over keyed items notes the key, for its error only. Reading `[0]`
  // of a pair the loop just made costs nothing once the JIT inlines the
  // stages; keeping the whole item for the `catch` instead would stop the JIT
  // from optimizing the pairs away (3x slower in a keyOn -> mapValue chain).
  // `?.`: an item that is no pair fails in the stage's function, not here.
  const noteKey = stages[j].keyed === true ? ` key = ${v}?.[0];` : "";
  const call = `s = ${j};${noteKey} const r${j} = f${j}(${v});`;
  switch (stages[j].kind) {
    case "map":
      return `${call} const ${next} = r${j}; ${stageCode(stages, j + 1, next)}`;
    case "filter":
      return `${call} if (r${j} !== true) { if (r${j} !== false) throw h.notBoolean(r${j}); continue; } ${stageCode(stages, j + 1, v)}`;
    case "filterMap":
      return `${call} if (r${j} === undefined) continue; const ${next} = r${j}; ${stageCode(stages, j + 1, next)}`;
    case "keyOn":
      return `${call} if (typeof r${j} !== "string") throw h.notString(r${j}); const ${next} = [r${j}, ${v}]; ${stageCode(stages, j + 1, next)}`;
    case "flatMap":
      return (
        `${call} const a${j} = Array.isArray(r${j}) ? r${j} : h.items(r${j}); ` +
        `for (let i${j} = 0; i${j} < a${j}.length; i${j}++) { const ${next} = a${j}[i${j}]; ${stageCode(stages, j + 1, next)} }`
      );
  }
}

/**
 * @internal Compile the loop applying `stages` in order to every item of a
 * batch. A throw from stage `j` (its function or its check) is rethrown as
 * `StageFailure(j, cause)`.
 */
export function fuseStages(stages: readonly PerItem[]): FusedLoop {
  const shape = stages.map((st) => (st.keyed === true ? `${st.kind}*` : st.kind)).join(",");
  let factory = factories.get(shape);
  if (factory === undefined) factories.set(shape, (factory = compile(stages)));
  return factory(helpers, ...stages.map((st) => st.fn));
}

type Factory = (h: typeof helpers, ...fns: PerItem["fn"][]) => FusedLoop;

/**
 * One compiled factory per chain shape (the kinds of its stages, and which
 * read keyed items): a flow run
 * again (tests, benchmarks, a restarted script in the same process) reuses
 * the code the JIT already optimized.
 */
const factories = new Map<string, Factory>();

function compile(stages: readonly PerItem[]): Factory {
  const params = stages.map((_, j) => `f${j}`);
  const keyed = stages.some((st) => st.keyed === true);
  const body = `"use strict";
return function fused(xs) {
  const n = xs.length;
  const out = new Array(n);
  let k = 0;
  let s = 0;${keyed ? "\n  let key;" : ""}
  try {
    for (let i = 0; i < n; i++) {
      const v0 = xs[i];
      ${stageCode(stages, 0, "v0")}
    }
  } catch (e) {
    throw h.fail(s, e${keyed ? ", key" : ""});
  }
  if (k !== out.length) out.length = k;
  return out;
};`;
  // Compiled per chain shape so every user function gets a call site of its own, which the JIT can inline.
  return new Function("h", ...params, body) as Factory;
}
