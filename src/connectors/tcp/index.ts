/**
 * TCP connectors with length-prefixed frames, as in Wallaroo: a source that
 * listens and decodes, a sink that connects and encodes, and the framing
 * helpers they share.
 * `import { TcpSource, TcpSink, FrameDecoder, encodeFrame } from "sluice/connectors/tcp"`.
 *
 * @module sluice/connectors/tcp
 */
export { TcpSource, type TcpSourceOptions } from "./tcpSource.js";
export { TcpSink, type TcpSinkOptions } from "./tcpSink.js";
export { FrameDecoder, encodeFrame, type FrameDecoderOptions, type FrameFormat } from "./frames.js";
