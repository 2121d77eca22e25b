/**
 * The markdown the bot sends, rendered as a chat client shows it, from a safe subset: bold, inline code, links
 * (http/https only), headings, lists, quotes, line breaks, and WeCom's <font color="info|comment|warning">. The
 * source is HTML-escaped first and only these constructs are turned back into tags, so no raw HTML gets through.
 */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function inline(escaped: string): string {
  return escaped
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(
      /&lt;font color=(?:&quot;|&#39;)?(info|comment|warning)(?:&quot;|&#39;)?&gt;(.*?)&lt;\/font&gt;/g,
      '<span class="md-$1">$2</span>',
    )
    .replace(/\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2" target="_blank" rel="noopener noreferrer">$1</a>');
}

export function renderMarkdown(src: string): string {
  const out: string[] = [];
  let list: 'ul' | 'ol' | null = null;
  let para: string[] = [];
  const flushPara = () => {
    if (para.length) out.push(`<p>${para.join('<br>')}</p>`);
    para = [];
  };
  const closeList = () => {
    if (list) out.push(`</${list}>`);
    list = null;
  };
  for (const raw of src.replace(/\r\n?/g, '\n').split('\n')) {
    const line = escapeHtml(raw);
    const heading = /^\s*#{1,6}\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*(\d+)[.)]\s+(.*)$/.exec(line);
    const quote = /^\s*&gt;\s?(.*)$/.exec(line);
    if (bullet || numbered) {
      flushPara();
      const kind = bullet ? 'ul' : 'ol';
      if (list !== kind) {
        closeList();
        out.push(`<${kind}>`);
        list = kind;
      }
      out.push(`<li>${inline((bullet ? bullet[1] : numbered?.[2]) ?? '')}</li>`);
      continue;
    }
    closeList();
    if (heading) {
      flushPara();
      out.push(`<div class="md-h">${inline(heading[1] ?? '')}</div>`);
    } else if (quote) {
      flushPara();
      out.push(`<blockquote>${inline(quote[1] ?? '')}</blockquote>`);
    } else if (line.trim() === '') {
      flushPara();
    } else {
      para.push(inline(line));
    }
  }
  flushPara();
  closeList();
  return out.join('');
}
