/**
 * The page renders the bot's markdown from a safe subset (emulator/src/markdown.ts): what the bot writes shows
 * formatted, and any HTML in a message stays text.
 */
import { describe, expect, it } from 'vitest';
import { escapeHtml, renderMarkdown } from '../../emulator/src/markdown.js';

describe('emulator markdown', () => {
  it('renders bold, line breaks and paragraphs', () => {
    expect(renderMarkdown('**本期排名**\n第 3 名\n\n继续加油')).toBe(
      '<p><strong>本期排名</strong><br>第 3 名</p><p>继续加油</p>',
    );
  });

  it('renders bulleted and numbered lists, headings and quotes', () => {
    expect(renderMarkdown('# 截止提醒\n- 参互登记\n- 缴费\n1. 一\n2. 二\n> 海南省总工会')).toBe(
      '<div class="md-h">截止提醒</div><ul><li>参互登记</li><li>缴费</li></ul><ol><li>一</li><li>二</li></ol><blockquote>海南省总工会</blockquote>',
    );
  });

  it("renders WeCom's three font colours as classes, nothing else", () => {
    expect(renderMarkdown('<font color="warning">还差 12 人</font>')).toBe(
      '<p><span class="md-warning">还差 12 人</span></p>',
    );
    expect(renderMarkdown('<font color="red" onclick="x()">x</font>')).toBe(
      '<p>&lt;font color=&quot;red&quot; onclick=&quot;x()&quot;&gt;x&lt;/font&gt;</p>',
    );
  });

  it('escapes raw HTML, and links only http(s) addresses', () => {
    expect(renderMarkdown('<img src=x onerror=alert(1)>')).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p>');
    expect(renderMarkdown('[看](javascript:alert(1))')).toBe('<p>[看](javascript:alert(1))</p>');
    expect(renderMarkdown('[政策](https://example.org/a?b=1&c=2)')).toBe(
      '<p><a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">政策</a></p>',
    );
    expect(renderMarkdown('[x](https://e.org/"onmouseover="a)')).not.toContain('" onmouseover');
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });
});
