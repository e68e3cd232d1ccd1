/**
 * TCP in, TCP out, with Wallaroo-style length-prefixed frames.
 *
 *     npx sluice run examples/tcp.ts            # listens on 127.0.0.1:7100, prints
 *     npx sluice run examples/tcp.ts:forward    # listens on 7100, forwards to 127.0.0.1:7101
 *
 * Each frame is a 4-byte big-endian payload length, then the payload: here a
 * UTF-8 line of text. The flow upper-cases each line. Feed it from another
 * terminal with a tiny client (`encodeFrame` writes the header):
 *
 *     node --input-type=module -e '
 *       import net from "node:net";
 *       import { encodeFrame } from "sluice/connectors/tcp";
 *       const s = net.connect(7100, "127.0.0.1", () => {
 *         for (const w of ["hello", "frames"]) s.write(encodeFrame(Buffer.from(w)));
 *         s.end();
 *       });'
 *
 * The default flow ends after 3 connections have closed. Frames larger than
 * 1 MiB, or cut short by a client, close that client's connection with a
 * logged error; the flow goes on. `forward` writes the results to a server
 * on port 7101 with `TcpSink` (same framing), reconnecting if it restarts.
 */
import { Dataflow } from "sluice";
import { StdOutSink } from "sluice/connectors/stdio";
import { TcpSink, TcpSource } from "sluice/connectors/tcp";

const host = process.env.TCP_HOST ?? "127.0.0.1";
const inPort = Number(process.env.TCP_IN_PORT ?? 7100);
const outPort = Number(process.env.TCP_OUT_PORT ?? 7101);

/** Frames from clients, decoded as UTF-8 text; empty frames are dropped. */
function lines(endAfterConnections?: number): TcpSource<string> {
  return new TcpSource({
    host,
    port: inPort,
    decoder: (payload) => (payload.length === 0 ? undefined : payload.toString("utf8")),
    maxFrameBytes: 1024 * 1024,
    endAfterConnections,
  });
}

export const flow = new Dataflow("tcp_upper");
flow
  .input("lines", lines(3))
  .map("upper", (line) => line.toUpperCase())
  .output("out", new StdOutSink());

export const forward = new Dataflow("tcp_forward");
forward
  .input("lines", lines())
  .map("upper", (line) => line.toUpperCase())
  .output("out", new TcpSink({ host, port: outPort, encoder: (line: string) => Buffer.from(line, "utf8") }));
