/**
 * Long markdown cut to a platform's byte limit at line boundaries, preferring to cut before a heading line
 * (`**…**`), so each part of the group table starts with its category's title.
 */
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export function splitMarkdown(text: string, maxBytes: number): string[] {
  const parts: string[] = [];
  let current: string[] = [];
  let size = 0;
  const flush = () => {
    const t = current.join('\n').trim();
    if (t) parts.push(t);
    current = [];
    size = 0;
  };
  for (const raw of text.split('\n')) {
    // a single line longer than the limit is cut by characters (never inside a UTF-8 sequence)
    const lines: string[] = [];
    let line = raw;
    while (bytes(line) > maxBytes) {
      let n = line.length;
      while (bytes(line.slice(0, n)) > maxBytes) n = Math.floor(n * 0.9);
      lines.push(line.slice(0, n));
      line = line.slice(n);
    }
    lines.push(line);
    for (const l of lines) {
      const add = bytes(l) + (current.length ? 1 : 0);
      const heading = /^\*\*.+\*\*/.test(l);
      // a heading in the last fifth of a part starts the next part instead of dangling at the end
      if (size + add > maxBytes || (heading && current.length && size > maxBytes * 0.8)) flush();
      current.push(l);
      size += bytes(l) + (current.length > 1 ? 1 : 0);
    }
  }
  flush();
  return parts;
}
