import { describe, expect, it } from "vitest";
import { BuildError, Dataflow } from "../../src/index.js";
import { TestingSink, TestingSource } from "../../src/testing/index.js";
import { toHtml } from "../../src/visualize/index.js";
import { parseXml } from "../support/xml.js";

function wordcount(flowId: string): Dataflow {
  const flow = new Dataflow(flowId);
  flow
    .input("in", new TestingSource(["a b"]))
    .flatMap("split", (s) => s.split(" "))
    .output("out", new TestingSink([]));
  return flow;
}

describe("toHtml", () => {
  it("is a page titled with the flow id, holding the SVG inline, each step found by id", async () => {
    const html = await toHtml(wordcount("wordcount"));
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')).toBe(true);
    expect(html).toContain("<title>wordcount</title>");
    expect(html.endsWith("</main>\n</body>\n</html>\n")).toBe(true);
    const main = /<main id="dataflow" data-flow-id="wordcount">\n([\s\S]*)\n<\/main>/.exec(html);
    expect(main).not.toBeNull();
    // The SVG without its XML declaration and doctype, which have no place in HTML.
    expect(main![1].startsWith("<svg ")).toBe(true);
    const svg = parseXml(main![1]);
    for (const stepId of ["wordcount.in", "wordcount.split", "wordcount.out"]) {
      expect(svg.getElementById(`step-${stepId}`), stepId).not.toBeNull();
    }
  });

  it("loads nothing from elsewhere: no script, style sheet, image or link", async () => {
    const html = await toHtml(wordcount("wordcount"));
    expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|@import|url\(|\b(src|href|xlink:href)=/i);
  });

  it("escapes the flow id in the title", async () => {
    const html = await toHtml(wordcount('<b> & "c"'));
    expect(html).toContain("<title>&lt;b&gt; &amp; &quot;c&quot;</title>");
    expect(html).toContain('data-flow-id="&lt;b&gt; &amp; &quot;c&quot;"');
  });

  it("rejects anything but a Dataflow", async () => {
    await expect(toHtml(null as unknown as Dataflow)).rejects.toThrow(BuildError);
  });
});
