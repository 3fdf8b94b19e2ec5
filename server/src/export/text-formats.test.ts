import type { StoryView } from '@copydesk/shared';
import { describe, expect, it } from 'vitest';
import { exportFilename } from './export-routes';
import { toNinjs } from './ninjs';
import { escapeHtml, escapeMarkdown, toHtml, toMarkdown } from './text-formats';

const XSS = '<img src=x onerror=alert(1)>';

const story = (patch: Partial<StoryView> = {}): StoryView => ({
  id: 'story-abcdef12',
  headline: 'Kremlin floats plan',
  synopsis: 'First paragraph.\nSecond paragraph.',
  takeaways: ['Talks first.', 'Sanctions later.'],
  body: 'Body one.\nBody two.',
  dateline: 'Moscow, Dec 3',
  source: 'NationPress',
  byline: 'Ana Editor',
  status: 'draft',
  createdAt: '2025-01-01T10:00:00.000Z',
  updatedAt: '2025-01-01T11:00:00.000Z',
  ...patch,
});

describe('export renderings', () => {
  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`${XSS} & "a" 'b'`)).toBe(
      '&lt;img src=x onerror=alert(1)&gt; &amp; &quot;a&quot; &#39;b&#39;',
    );
  });

  it('escapes markdown so text stays text', () => {
    expect(escapeMarkdown(XSS)).toBe('\\<img src=x onerror=alert\\(1\\)\\>');
    expect(escapeMarkdown('*bold* _it_ `code` [link](http://x) ![i](y) a|b ~~s~~ &amp;')).toBe(
      '\\*bold\\* \\_it\\_ \\`code\\` \\[link\\]\\(http://x\\) \\!\\[i\\]\\(y\\) a\\|b \\~\\~s\\~\\~ \\&amp;',
    );
    expect(escapeMarkdown('# not a heading')).toBe('\\# not a heading');
    expect(escapeMarkdown('- not a list')).toBe('\\- not a list');
    expect(escapeMarkdown('+ nor this')).toBe('\\+ nor this');
    expect(escapeMarkdown('> no quote')).toBe('\\> no quote');
    expect(escapeMarkdown('1. no list')).toBe('1\\. no list');
    expect(escapeMarkdown('===')).toBe('\\===');
    expect(escapeMarkdown('    no code block')).toBe('no code block');
    expect(escapeMarkdown('back\\slash')).toBe('back\\\\slash');
  });

  it('renders every field, escaped, in markdown and html', () => {
    const evil = story({
      headline: `Headline ${XSS}`,
      synopsis: `Synopsis ${XSS}`,
      takeaways: [`Takeaway ${XSS}`],
      body: `Body ${XSS}\n# heading?`,
      dateline: `Dateline ${XSS}`,
      source: `Source ${XSS}`,
      byline: `Byline ${XSS}`,
    });
    const md = toMarkdown(evil);
    const html = toHtml(evil);
    expect(html).not.toContain('<img');
    // In markdown a backslash-escaped `<` is a literal character, never the start of HTML.
    expect(md).not.toMatch(/(?<!\\)<img/);
    for (const field of [
      'Headline',
      'Synopsis',
      'Takeaway',
      'Body',
      'Dateline',
      'Source',
      'Byline',
    ]) {
      expect(html).toContain(`${field} &lt;img src=x onerror=alert(1)&gt;`);
      expect(md).toContain(`${field} \\<img src=x onerror=alert\\(1\\)\\>`);
    }
    expect(md).toContain('\n\\# heading?');
    expect(html).toContain('<li>Takeaway &lt;img');
  });

  it('maps a story to ninjs and its status to pubStatus', () => {
    const item = toNinjs(story());
    expect(item).toMatchObject({
      uri: 'urn:copydesk:story:story-abcdef12',
      type: 'text',
      pubStatus: 'withheld',
      headlines: [{ role: 'main', value: 'Kremlin floats plan' }],
      descriptions: [{ role: 'summary', value: 'First paragraph.\nSecond paragraph.' }],
      bodies: [
        { role: 'keyTakeaways', value: 'Talks first.\nSanctions later.' },
        { role: 'main', value: 'Body one.\nBody two.', wordCount: 4 },
      ],
      located: 'Moscow, Dec 3',
      by: 'Ana Editor',
      infoSources: [{ name: 'NationPress', role: 'source' }],
      versionCreated: '2025-01-01T11:00:00.000Z',
    });
    expect(toNinjs(story({ status: 'published' })).pubStatus).toBe('usable');
    const bare = toNinjs(
      story({ synopsis: '', dateline: '', byline: '', source: '', takeaways: [] }),
    );
    expect(bare.descriptions).toBeUndefined();
    expect(bare.located).toBeUndefined();
    expect(bare.by).toBeUndefined();
    expect(bare.bodies).toHaveLength(1);
  });

  it('makes safe ASCII filenames', () => {
    expect(
      exportFilename({ id: 'abc12345', headline: 'Kremlin’s “peace” plan: €5bn?' }, 'md'),
    ).toBe('kremlin-s-peace-plan-5bn.md');
    expect(exportFilename({ id: 'abc12345', headline: '../../etc/passwd"\r\n' }, 'json')).toBe(
      'etc-passwd.json',
    );
    expect(exportFilename({ id: 'abc12345', headline: 'Привет' }, 'html')).toBe(
      'story-abc12345.html',
    );
    expect(exportFilename({ id: 'abc12345', headline: 'Café déjà vu' }, 'md')).toBe(
      'cafe-deja-vu.md',
    );
  });
});
