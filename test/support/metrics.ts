/** Reading Prometheus' text format, as a run's `/metrics` serves it. */

/** One sample line of the text format: `name{labels} value`. */
export interface SampleLine {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every sample line of `text` (comments skipped); throws on a line that is not one. */
export function parseMetrics(text: string): SampleLine[] {
  const out: SampleLine[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of `name`'s samples whose labels include `match`. */
export function sum(samples: SampleLine[], name: string, match: Record<string, string> = {}): number {
  let s = 0;
  for (const x of samples) if (x.name === name && Object.entries(match).every(([k, v]) => x.labels[k] === v)) s += x.value;
  return s;
}
