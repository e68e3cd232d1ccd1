/**
 * Receives what an alerts application sends with `ALERTS_OUT`, as
 * Wallaroo's `data_receiver --framed` did: listens for length-prefixed
 * frames (a 4-byte big-endian length, then the payload) and prints each
 * payload as a line of UTF-8 text.
 *
 *     npx sluice run examples/wallaroo/receive.ts                        # listens on 127.0.0.1:7002
 *     ALERTS_OUT=127.0.0.1:7002 npx sluice run examples/wallaroo/alerts_stateful.ts
 *     npx sluice run examples/wallaroo/send.ts
 *
 * It listens on `ALERTS_OUT` (default `127.0.0.1:7002`) until stopped with
 * Ctrl-C, or with `ALERTS_END_AFTER=n` until `n` applications have
 * disconnected.
 */
import { Dataflow } from "sluice";
import { StdOutSink } from "sluice/connectors/stdio";
import { TcpSource } from "sluice/connectors/tcp";
import { configFromEnv } from "./transactions.js";

/** What `sluice run` runs: frames received on `ALERTS_OUT`, printed. */
export function flow(): Dataflow {
  const { out: at = { host: "127.0.0.1", port: 7002 }, endAfterConnections } = configFromEnv();
  const receiver = new Dataflow("alerts_receiver");
  receiver
    .input("frames", new TcpSource({
      host: at.host,
      port: at.port,
      decoder: (payload) => payload.toString("utf8"),
      endAfterConnections,
      onListening: ({ host, port }) => console.error(`alerts_receiver: listening on ${host}:${port}`),
    }))
    .output("print", new StdOutSink());
  return receiver;
}
