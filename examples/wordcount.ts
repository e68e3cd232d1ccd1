/**
 * Word count: the "hello world" of stream processing.
 *
 *     npm run example                                            # from a clone of Sluice
 *     npx sluice run node_modules/sluice/examples/wordcount.ts   # in a project that installed sluice
 *
 * Reads a text file line by line, splits lines into lowercase words, counts
 * each word, and prints `word: count` lines (in word order) at the end of input.
 */
import { fileURLToPath } from "node:url";
import { Dataflow } from "sluice";
import { FileSource } from "sluice/connectors/files";
import { StdOutSink } from "sluice/connectors/stdio";

const input = process.env.WORDCOUNT_INPUT ?? fileURLToPath(new URL("./data/wordcount.txt", import.meta.url));

export const flow = new Dataflow("wordcount");
flow
  .input("lines", new FileSource(input))
  .map("lower", (line) => line.toLowerCase())
  .flatMap("tokenize", (line) => line.match(/[a-z']+/g) ?? [])
  .countFinal("count", (word) => word)
  .map("format", ([word, count]) => `${word}: ${count}`)
  .output("out", new StdOutSink());
