// A run that ends without EOF (failure, stop, AbortExecution) tells the
// partitions of its sources and sinks, so they release what they hold.
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AbortExecution,
  Dataflow,
  DynamicSink,
  FixedPartitionedSource,
  StatefulSourcePartition,
  StatelessSinkPartition,
  StepError,
  op,
  type RunContext,
} from "../../src/index.js";
import { FileSource } from "../../src/connectors/files/index.js";
import { TcpSource } from "../../src/connectors/tcp/index.js";
import { runMain, TestingSource, VirtualClock } from "../../src/testing/index.js";
import { runFlow } from "../../src/run/runMain.js";
import { freePort } from "../connectors/tcp/helpers.js";
import { afterAdvance, runAdvancing, T_START } from "../support/virtualTime.js";

type Call = [string, string, unknown?];

/**
 * Partitions "ends" (two items, then the end of its input) and "endless"
 * (an item per poll, every 5 ms of the run's clock, forever); every `close`
 * and `abort` is logged. Both poll at 0, 5, 10 ... ms: "ends" ends at 10 ms.
 */
class Logged extends FixedPartitionedSource<number, number> {
  constructor(
    private readonly log: Call[],
    private readonly abortFails?: "throws" | "rejects",
  ) {
    super();
  }
  listParts(): string[] {
    return ["endless", "ends"];
  }
  buildPart(_stepId: string, part: string, resume: number | undefined, context?: RunContext): StatefulSourcePartition<number, number> {
    const { log, abortFails } = this;
    const clock = context!.clock;
    let i = resume ?? 0;
    return new (class extends StatefulSourcePartition<number, number> {
      nextBatch(): number[] | null {
        if (part === "ends" && i >= 2) return null;
        return [i++];
      }
      override nextAwake(): Date {
        return new Date(clock.now() + 5);
      }
      snapshot(): number {
        return i;
      }
      override close(): void {
        log.push(["close", part]);
      }
      override abort(reason: unknown): void | Promise<void> {
        log.push(["abort", part, reason]);
        if (abortFails === "throws") throw new Error("abort failed");
        if (abortFails === "rejects") return Promise.reject(new Error("abort failed"));
      }
    })();
  }
}

class LoggedSink<X = unknown> extends DynamicSink<X> {
  constructor(private readonly log: Call[]) {
    super();
  }
  build(): StatelessSinkPartition<X> {
    const log = this.log;
    return new (class extends StatelessSinkPartition<X> {
      writeBatch(): void {}
      override close(): void {
        log.push(["close", "sink"]);
      }
      override abort(error: unknown): void {
        log.push(["abort", "sink", error]);
      }
    })();
  }
}

describe("a run that ends without EOF", () => {
  it("aborts the partitions that had not ended, and the sinks, with the error the run fails with", async () => {
    const log: Call[] = [];
    const flow = new Dataflow("f");
    flow
      .input("in", new Logged(log))
      .map("boom", (n) => {
        if (n === 5) throw new Error("five");
        return n;
      })
      .output("out", new LoggedSink(log));
    // "endless" reads 5 at 25 ms.
    const err = await runAdvancing(flow, { clock: new VirtualClock(T_START), advance: 25 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err).toMatchObject({ stepId: "f.boom" });
    // "ends" reached its end, so it was closed, not aborted; nothing else was closed.
    expect(log).toEqual([
      ["close", "ends"],
      ["abort", "endless", err],
      ["abort", "sink", err],
    ]);
  });

  it("aborts them with an AbortExecution when the signal stops the run", async () => {
    const log: Call[] = [];
    const flow = new Dataflow("f");
    flow.input("in", new Logged(log)).output("out", new LoggedSink(log));
    const ctl = new AbortController();
    const clock = new VirtualClock(T_START);
    const run = runFlow(flow, { signal: ctl.signal, clock });
    // Stop once "ends" has ended (at 10 ms).
    await clock.advance(10);
    expect(log).toEqual([["close", "ends"]]);
    ctl.abort();
    await expect(afterAdvance(clock, 0, run)).resolves.toBe("stopped");
    expect(log.map(([what, who]) => [what, who])).toEqual([
      ["close", "ends"],
      ["abort", "endless"],
      ["abort", "sink"],
    ]);
    expect(log[1][2]).toBeInstanceOf(AbortExecution);
    expect(log[2][2]).toBe(log[1][2]);
  });

  it("aborts them with the AbortExecution a source threw", async () => {
    const log: Call[] = [];
    const flow = new Dataflow("f");
    const logged = flow.input("in", new Logged(log));
    const aborting = flow.input("stop", new TestingSource([1, 2, TestingSource.ABORT()]));
    op.merge("both", logged, aborting).output("out", new LoggedSink(log));
    const clock = new VirtualClock(T_START);
    await expect(afterAdvance(clock, 0, runFlow(flow, { clock }))).resolves.toBe("aborted");
    const aborts = log.filter(([what]) => what === "abort");
    for (const [, , reason] of aborts) expect(reason).toBeInstanceOf(AbortExecution);
    // "endless" and the sink are aborted; "ends" is closed if it got to its end first, else aborted: never both.
    expect(aborts.map(([, who]) => who)).toContain("endless");
    expect(aborts.map(([, who]) => who)).toContain("sink");
    expect(log.filter(([, who]) => who === "ends")).toHaveLength(1);
    expect(log.filter(([what, who]) => what === "close" && who !== "ends")).toEqual([]);
  });

  it("does not abort anything on a clean EOF", async () => {
    const log: Call[] = [];
    class Short extends Logged {
      override listParts(): string[] {
        return ["ends"];
      }
    }
    const flow = new Dataflow("f");
    flow.input("in", new Short(log)).output("out", new LoggedSink(log));
    const clock = new VirtualClock(T_START);
    await expect(afterAdvance(clock, 10, runFlow(flow, { clock }))).resolves.toBe("eof");
    expect(log).toEqual([
      ["close", "ends"],
      ["close", "sink"],
    ]);
  });

  for (const how of ["throws", "rejects"] as const) {
    it(`keeps the run's own error when a partition's abort ${how}`, async () => {
      const log: Call[] = [];
      const flow = new Dataflow("f");
      flow
        .input("in", new Logged(log, how))
        .map("boom", () => {
          throw new Error("the real failure");
        })
        .output("out", new LoggedSink(log));
      const err = await runAdvancing(flow, { clock: new VirtualClock(T_START) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StepError);
      expect((err as Error).message).toContain("the real failure");
      // The sink still heard of it after the source's abort failed.
      expect(log.map(([what, who]) => `${what} ${who}`)).toContain("abort sink");
    });
  }

  it("a failed run releases a TcpSource's port at once", async () => {
    const port = await freePort();
    for (let run = 0; run < 2; run++) {
      const flow = new Dataflow("tcp");
      flow
        .input("in", new Logged([]))
        .map("boom", (n) => {
          if (n === 1) throw new Error("stop here");
          return n;
        })
        .output("out", new LoggedSink([]));
      flow.input("net", new TcpSource({ host: "127.0.0.1", port, decoder: (b: Buffer) => b.toString() })).output("net_out", new LoggedSink([]));
      // The second run listens on the same port: the first one's listener was closed by abort.
      // "in" reads 1 at 5 ms of the run's clock.
      await expect(runAdvancing(flow, { clock: new VirtualClock(T_START), advance: 5 })).rejects.toMatchObject({ stepId: "tcp.boom" });
    }
  });

  it("a failed run closes the files a FileSource had open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-abort-"));
    const path = join(dir, "in.txt");
    // Large enough that the source has not read to its end (where it closes the file itself).
    writeFileSync(path, Array.from({ length: 200_000 }, (_, i) => `line ${i}`).join("\n") + "\n");
    const fdsBefore = openFds();
    const flow = new Dataflow("files");
    flow
      .input("in", new FileSource(path, { batchSize: 10 }))
      .map("boom", (line) => {
        if (line === "line 15") throw new Error("fail mid-file");
        return line;
      })
      .output("out", new LoggedSink([]));
    await expect(runMain(flow)).rejects.toMatchObject({ stepId: "files.boom" });
    expect(openFds().filter((f) => f === path)).toEqual(fdsBefore.filter((f) => f === path));
    expect(readFileSync(path, "utf8")).toContain("line 199999");
  });
});

/** The files this process has open (Linux). */
function openFds(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      out.push(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // Closed while listing.
    }
  }
  return out;
}
