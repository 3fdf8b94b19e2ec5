import type { StoryView } from '@copydesk/shared';

/**
 * Markdown and HTML renderings of a story. Every field is plain text written by people (or
 * pasted from wires), so every field is escaped: the output shows the text exactly as typed and
 * never turns it into markup, links, images or script.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);

/** Lines of a multi-paragraph field, trimmed, without empty ones. */
const paragraphs = (text: string): string[] =>
  text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');

const oneLine = (text: string): string => paragraphs(text).join(' ');

/**
 * Escapes text for CommonMark/GFM so it renders as the same text: every character that can
 * start inline syntax (emphasis, code, links, images, raw HTML, entities, tables, strikethrough)
 * is backslash-escaped, and so is anything at the start of a line that would make a heading,
 * quote, list, rule or code block. Callers pass one line (paragraphs are joined with blank lines).
 */
export const escapeMarkdown = (line: string): string => {
  const inline = line.trim().replace(/[\\`*_[\]{}()<>#!|~&$]/g, (ch) => `\\${ch}`);
  return inline.replace(/^([-+=])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2');
};

const mdParagraphs = (text: string): string => paragraphs(text).map(escapeMarkdown).join('\n\n');

const metaParts = (story: StoryView): { dateline: string; source: string; byline: string } => ({
  dateline: oneLine(story.dateline),
  source: oneLine(story.source),
  byline: oneLine(story.byline),
});

export const toMarkdown = (story: StoryView): string => {
  const out: string[] = [];
  out.push(`# ${escapeMarkdown(oneLine(story.headline)) || 'Untitled'}`);
  const { dateline, source, byline } = metaParts(story);
  const meta: string[] = [];
  if (dateline || source) {
    meta.push(
      [dateline && escapeMarkdown(dateline), source && `\\(${escapeMarkdown(source)}\\)`]
        .filter(Boolean)
        .join(' '),
    );
  }
  if (byline) meta.push(`By ${escapeMarkdown(byline)}`);
  if (meta.length > 0) out.push(`*${meta.join(' · ')}*`);
  if (story.synopsis.trim()) out.push(mdParagraphs(story.synopsis));
  const takeaways = story.takeaways.map(oneLine).filter((t) => t !== '');
  if (takeaways.length > 0) {
    out.push('## Key takeaways', takeaways.map((t) => `- ${escapeMarkdown(t)}`).join('\n'));
  }
  if (story.body.trim()) out.push('---', mdParagraphs(story.body));
  return `${out.join('\n\n')}\n`;
};

export const toHtml = (story: StoryView, language = 'en'): string => {
  const h = escapeHtml;
  const headline = oneLine(story.headline) || 'Untitled';
  const { dateline, source, byline } = metaParts(story);
  const parts: string[] = [`<h1>${h(headline)}</h1>`];
  const meta: string[] = [];
  if (dateline) meta.push(`<span class="dateline">${h(dateline)}</span>`);
  if (source) meta.push(`<span class="source">(${h(source)})</span>`);
  if (byline) meta.push(`<span class="byline">By ${h(byline)}</span>`);
  if (meta.length > 0) parts.push(`<p class="meta">${meta.join(' ')}</p>`);
  const synopsis = paragraphs(story.synopsis);
  if (synopsis.length > 0) {
    parts.push(
      `<section class="synopsis">\n${synopsis.map((p) => `<p>${h(p)}</p>`).join('\n')}\n</section>`,
    );
  }
  const takeaways = story.takeaways.map(oneLine).filter((t) => t !== '');
  if (takeaways.length > 0) {
    parts.push(
      `<section class="takeaways">\n<h2>Key takeaways</h2>\n<ul>\n${takeaways
        .map((t) => `<li>${h(t)}</li>`)
        .join('\n')}\n</ul>\n</section>`,
    );
  }
  const body = paragraphs(story.body);
  if (body.length > 0) {
    parts.push(
      `<section class="body">\n${body.map((p) => `<p>${h(p)}</p>`).join('\n')}\n</section>`,
    );
  }
  return [
    '<!doctype html>',
    `<html lang="${h(language)}">`,
    '<head>',
    '<meta charset="utf-8">',
    `<title>${h(headline)}</title>`,
    '</head>',
    '<body>',
    '<article>',
    ...parts,
    '</article>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
};
