/** Parsing the SVG and HTML that `sluice/visualize` writes, strictly. */
import { DOMParser, type Document } from "@xmldom/xmldom";

/** Parse `text` as XML (an SVG document or element), failing on any error or warning of the parser. */
export function parseXml(text: string): Document {
  const parser = new DOMParser({
    onError: (level, message) => {
      throw new Error(`${level}: ${message}`);
    },
  });
  return parser.parseFromString(text, "image/svg+xml");
}
