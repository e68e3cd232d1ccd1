/**
 * Feeds the alerts applications, as Wallaroo's `sender` tool did: sends
 * each line of a file as one length-prefixed frame (a 4-byte big-endian
 * length, then the line in UTF-8) over one TCP connection, then closes it.
 *
 *     npx sluice run examples/wallaroo/send.ts                  # examples/data/transactions.txt to 127.0.0.1:7010
 *     ALERTS_FILE=my.txt ALERTS_IN=127.0.0.1:9000 npx sluice run examples/wallaroo/send.ts
 *
 * Blank lines and lines starting with `#` are not sent. It is itself a
 * flow: a file source into a `TcpSink`, which frames each item. When
 * nothing listens yet it retries (logging each attempt) and gives up after
 * 10 attempts, about 20 seconds.
 *
 * Any client can do the same; in Node.js, with `encodeFrame` writing the
 * header:
 *
 *     socket.write(encodeFrame(Buffer.from("alice,1500")));
 */
import { fileURLToPath } from "node:url";
import { Dataflow } from "sluice";
import { FileSource } from "sluice/connectors/files";
import { TcpSink } from "sluice/connectors/tcp";
import { parseAddress } from "./transactions.js";

/** What `sluice run` runs: the file named by `ALERTS_FILE` to the address in `ALERTS_IN`. */
export function flow(): Dataflow {
  const file = process.env.ALERTS_FILE || fileURLToPath(new URL("../data/transactions.txt", import.meta.url));
  const to = parseAddress(process.env.ALERTS_IN || "127.0.0.1:7010", "ALERTS_IN");
  const sender = new Dataflow("alerts_sender");
  sender
    .input("lines", new FileSource(file))
    .filter("transactions_only", (line) => line.trim() !== "" && !line.startsWith("#"))
    .output("send", new TcpSink({ host: to.host, port: to.port, encoder: (line: string) => Buffer.from(line, "utf8"), maxAttempts: 10 }));
  return sender;
}
