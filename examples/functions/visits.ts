/**
 * What the two greeter applications (`greeter.ts`, with the functions in
 * TypeScript, and `remote-greeter.ts`, with the same functions on StateFun's
 * Python SDK in `python/greeter.py`) share: where visits come from and where
 * the functions' egresses go. Not a flow itself.
 *
 * - `GREETER_INPUT=file`: the visits, one user name a line (blank lines are
 *   skipped). Default `examples/data/visits.txt`.
 * - `REMINDER_DELAY_MS=ms`: how long after a first visit the person sends its
 *   "come back" reminder. Default 300, as `python/greeter.py`. Give the same
 *   value to both when you change it.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Dataflow, Stream } from "sluice";
import { TestingSource } from "sluice/testing";
import { StdOutSink } from "sluice/connectors/stdio";
import { message, types, type FunctionsResult, type Message } from "sluice/functions";

const input = process.env.GREETER_INPUT ?? fileURLToPath(new URL("../data/visits.txt", import.meta.url));

/** How long after a first visit the reminder comes, in ms. */
export const REMINDER_DELAY_MS = Number(process.env.REMINDER_DELAY_MS ?? "300");

/**
 * The ingress: one message to `greeter.fns/person` per visit, addressed to
 * the user (the id) and holding the user's name. The visits come in one
 * batch; then the input stays open a second longer than the reminder delay,
 * so that reminders fall due before it ends (when the ingress ends, the
 * functions step ends once no message is in flight; a delayed message not
 * yet due would not be delivered in this run).
 */
export function visits(flow: Dataflow): Stream<Message> {
  const names = readFileSync(input, "utf8").split("\n").map((line) => line.trim()).filter((name) => name !== "");
  return flow
    .input("visits", new TestingSource([...names, TestingSource.PAUSE(REMINDER_DELAY_MS + 1000)], 1000))
    .map("to_person", (name) => message("greeter.fns/person", name, name, types.string));
}

/** Print the greetings (`greeter.io/greetings`) and reminders (`greeter.io/reminders`) on stdout, one a line. */
export function print(egresses: FunctionsResult): void {
  const greetings = egresses.egress("greeter.io/greetings", types.string);
  const reminders = egresses.egress("greeter.io/reminders", types.string);
  greetings.merge("greetings_and_reminders", reminders).output("out", new StdOutSink());
}
