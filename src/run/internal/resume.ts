/**
 * Where a run starts: its first epoch, its execution number, and the stored
 * states it resumes from, decoded lazily per step. One path for a run on one
 * worker (`runMain`) and for the worker threads of `cliMain`, which receive
 * the encoded states from the coordinator.
 *
 * @module
 * @internal
 */
import { RecoveryError } from "../../errors.js";
import { stableHash } from "../../internal/hash.js";
import type { StateSerde } from "../../recovery/serde.js";
import type { RecoveryStore } from "../../recovery/store.js";

/** @internal Resume states of one step, by partition name or key. */
export type ResumeStates = ReadonlyMap<string, unknown>;

/** @internal Encoded states as they cross to worker threads: step id, then key and bytes. */
export type EncodedStates = readonly (readonly [string, readonly (readonly [string, Uint8Array])[]])[];

const NO_STATES: ResumeStates = new Map();

/** @internal The stored states a run resumes from. */
export class Resume {
  private readonly decoded = new Map<string, ResumeStates>();
  private readonly raw: Map<string, readonly (readonly [string, Uint8Array])[]>;

  constructor(
    encoded: EncodedStates,
    private readonly serde: StateSerde,
    /** First epoch of the run (1 without recovery). */
    readonly epoch = 1,
    /** Execution number (0 without recovery). */
    readonly execution = 0,
  ) {
    this.raw = new Map(encoded);
  }

  /** A run without recovery: nothing to resume. */
  static none(serde: StateSerde): Resume {
    return new Resume([], serde);
  }

  /** What `store` holds, in the form that crosses to worker threads. */
  static encodedFrom(store: RecoveryStore): EncodedStates {
    return [...store.loadStates()].map(([stepId, keys]) => [stepId, [...keys]] as const);
  }

  /** The states of `store`, decoded with `serde` when first asked for. */
  static fromStore(store: RecoveryStore, serde: StateSerde): Resume {
    return new Resume(Resume.encodedFrom(store), serde, store.resumeEpoch, store.exNum);
  }

  /**
   * The states of step `stepId`, decoded.
   *
   * @throws RecoveryError when a stored state does not decode.
   */
  states(stepId: string): ResumeStates {
    let states = this.decoded.get(stepId);
    if (states !== undefined) return states;
    const raw = this.raw.get(stepId);
    if (raw === undefined) return NO_STATES;
    const map = new Map<string, unknown>();
    for (const [key, bytes] of raw) {
      try {
        map.set(key, this.serde.deserialize(bytes));
      } catch (err) {
        throw new RecoveryError(`cannot decode the snapshot of step '${stepId}' for key '${key}': ${String(err)}`, { cause: err });
      }
    }
    this.decoded.set(stepId, (states = map));
    return states;
  }
}

/** @internal The states of the keys `worker` is responsible for: `stableHash(key) % workerCount`. */
export function ownedKeys(states: ResumeStates, worker: number, workerCount: number): ResumeStates {
  if (workerCount === 1) return states;
  const mine = new Map<string, unknown>();
  for (const [key, state] of states) if (stableHash(key) % workerCount === worker) mine.set(key, state);
  return mine;
}
