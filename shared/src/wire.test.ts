import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWire, WireImportError } from './wire';

/** The seed fixture lives in the sibling `shared/` folder next to the repo (as in CI). */
const FIXTURE = new URL('../../../shared/fixtures/wire-kremlin-peace-plan.txt', import.meta.url);
const fixture = readFileSync(FIXTURE, 'utf8');

const SEED_TAKEAWAYS = [
  "Peskov denies Putin's rejection of the US peace plan.",
  'Potential phone talks between Putin and Trump could happen soon.',
  'Expert-level discussions are essential for progress.',
  "Russia appreciates the US administration's efforts for peace.",
  'Meetings will continue as needed for a resolution.',
];

const expectEmptyWire = (raw: string): void => {
  let caught: unknown;
  try {
    parseWire(raw);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(WireImportError);
  expect(caught).toBeInstanceOf(Error);
  const error = caught as WireImportError;
  expect(error.code).toBe('empty_wire');
  expect(error.message.length).toBeGreaterThan(10);
};

describe('parseWire: seed fixture', () => {
  const parsed = parseWire(fixture);

  it('reads the headline', () => {
    expect(parsed.headline).toBe('Did Russia Really Reject the US Peace Plan for Ukraine?');
  });

  it('reads an empty synopsis', () => {
    expect(parsed.synopsis).toBe('');
  });

  it('reads the five takeaways without their bullets', () => {
    expect(parsed.takeaways).toEqual(SEED_TAKEAWAYS);
  });

  it('splits the dateline and source off the body', () => {
    expect(parsed.dateline).toBe('Moscow, Dec 3');
    expect(parsed.source).toBe('NationPress');
    expect(parsed.body.startsWith('Kremlin spokesperson Dmitry Peskov on Wednesday')).toBe(true);
    expect(parsed.body).not.toContain('(NationPress)');
    expect(parsed.body).not.toContain('Moscow, Dec 3');
  });

  it('keeps every body paragraph, one per line, with Unicode punctuation intact', () => {
    const paragraphs = parsed.body.split('\n');
    expect(paragraphs).toHaveLength(11);
    expect(paragraphs.every((p) => p.length > 0 && p === p.trim())).toBe(true);
    expect(parsed.body).toContain('“We sincerely value President Trump’s political commitment');
    expect(paragraphs.at(-1)).toMatch(/confidential, as reported by Tass\.$/);
  });

  it('parses the same with CRLF, lone CR and a BOM', () => {
    expect(parseWire(fixture.replace(/\n/g, '\r\n'))).toEqual(parsed);
    expect(parseWire(fixture.replace(/\n/g, '\r'))).toEqual(parsed);
    expect(parseWire(`\uFEFF${fixture}`)).toEqual(parsed);
  });
});

describe('parseWire: line endings and whitespace', () => {
  it('handles CRLF line endings', () => {
    const parsed = parseWire(
      'Headline here\r\nSynopsis\r\nA short summary.\r\nKey Takeaways\r\n- One\r\n- Two\r\nBody text.\r\n',
    );
    expect(parsed).toEqual({
      headline: 'Headline here',
      synopsis: 'A short summary.',
      takeaways: ['One', 'Two'],
      body: 'Body text.',
      dateline: '',
      source: '',
    });
  });

  it('handles lone CR line endings (classic Mac)', () => {
    const parsed = parseWire(
      'Headline\rSynopsis\rSummary.\rKey Takeaways\r- One\rBody one.\rBody two.',
    );
    expect(parsed.headline).toBe('Headline');
    expect(parsed.synopsis).toBe('Summary.');
    expect(parsed.takeaways).toEqual(['One']);
    expect(parsed.body).toBe('Body one.\nBody two.');
  });

  it('skips leading blank lines and a BOM, and trims the headline', () => {
    const parsed = parseWire('\uFEFF\n\n   \t\n  \u00A0Markets rally  \t\nBody.');
    expect(parsed.headline).toBe('Markets rally');
    expect(parsed.body).toBe('Body.');
  });

  it('collapses blank lines in the body and trims trailing whitespace', () => {
    const parsed = parseWire('Headline\n\nFirst paragraph.   \n\n\n  \nSecond paragraph.\t\n\n\n');
    expect(parsed.body).toBe('First paragraph.\nSecond paragraph.');
  });

  it('treats Unicode line and paragraph separators as line breaks', () => {
    const parsed = parseWire('Headline\u2028Key Takeaways\u2028- One\u2029Body.');
    expect(parsed.headline).toBe('Headline');
    expect(parsed.takeaways).toEqual(['One']);
    expect(parsed.body).toBe('Body.');
  });
});

describe('parseWire: sections', () => {
  it('allows a story without takeaways', () => {
    const parsed = parseWire(
      'Headline\nSynopsis\nThe summary.\n\nMoscow, Dec 3 (NationPress) Body text.\nMore body.',
    );
    expect(parsed.takeaways).toEqual([]);
    expect(parsed.synopsis).toBe('The summary.');
    expect(parsed.dateline).toBe('Moscow, Dec 3');
    expect(parsed.source).toBe('NationPress');
    expect(parsed.body).toBe('Body text.\nMore body.');
  });

  it('ends a header-less-list synopsis at a dateline even without a blank line', () => {
    const parsed = parseWire('Headline\nSynopsis\nThe summary.\nMoscow, Dec 3 (NationPress) Body.');
    expect(parsed.synopsis).toBe('The summary.');
    expect(parsed.body).toBe('Body.');
    expect(parsed.dateline).toBe('Moscow, Dec 3');
  });

  it('allows a story without a synopsis header', () => {
    const parsed = parseWire('Headline\nKey Takeaways\n- One\n- Two\nBody text.');
    expect(parsed.synopsis).toBe('');
    expect(parsed.takeaways).toEqual(['One', 'Two']);
    expect(parsed.body).toBe('Body text.');
  });

  it('puts everything after the headline in the body when there are no headers at all', () => {
    const parsed = parseWire('Headline\n- not a takeaway\nSome text.\n\nMore text.');
    expect(parsed.synopsis).toBe('');
    expect(parsed.takeaways).toEqual([]);
    expect(parsed.body).toBe('- not a takeaway\nSome text.\nMore text.');
  });

  it('joins a two-paragraph synopsis with a single newline', () => {
    const parsed = parseWire(
      'Headline\nSynopsis\n\nFirst synopsis paragraph.\n\nSecond synopsis paragraph.\n\nKey Takeaways\n- One\nBody.',
    );
    expect(parsed.synopsis).toBe('First synopsis paragraph.\nSecond synopsis paragraph.');
    expect(parsed.takeaways).toEqual(['One']);
    expect(parsed.body).toBe('Body.');
  });

  it('recognises header variants: case, colons, "Takeaways", markdown emphasis', () => {
    for (const [synopsisHeader, takeawaysHeader] of [
      ['SYNOPSIS', 'KEY TAKEAWAYS'],
      ['synopsis:', 'Key takeaways:'],
      ['Synopsis :', 'Takeaways'],
      ['## Synopsis', '**Key Takeaways:**'],
      ['  Synopsis\u00A0', 'Key\u00A0Takeaways'],
    ]) {
      const parsed = parseWire(
        `Headline\n${synopsisHeader}\nSummary.\n${takeawaysHeader}\n- One\nBody.`,
      );
      expect(parsed, `${synopsisHeader} / ${takeawaysHeader}`).toEqual({
        headline: 'Headline',
        synopsis: 'Summary.',
        takeaways: ['One'],
        body: 'Body.',
        dateline: '',
        source: '',
      });
    }
  });

  it('accepts synopsis text on the header line after a colon', () => {
    const parsed = parseWire('Headline\nSynopsis: The summary.\nKey Takeaways\n- One\nBody.');
    expect(parsed.synopsis).toBe('The summary.');
  });

  it('accepts the takeaways before the synopsis', () => {
    const parsed = parseWire('Headline\nKey Takeaways\n- One\nSynopsis\nSummary.\n\nBody.');
    expect(parsed.takeaways).toEqual(['One']);
    expect(parsed.synopsis).toBe('Summary.');
    expect(parsed.body).toBe('Body.');
  });

  it('treats a header repeated inside the body as text', () => {
    const parsed = parseWire(
      'Headline\nSynopsis\nS.\nKey Takeaways\n- One\nBody.\nKey Takeaways\n- Two\nSynopsis',
    );
    expect(parsed.synopsis).toBe('S.');
    expect(parsed.takeaways).toEqual(['One']);
    expect(parsed.body).toBe('Body.\nKey Takeaways\n- Two\nSynopsis');
  });

  it('keeps text between the headline and the first header in the body', () => {
    const parsed = parseWire('Headline\nBy Jane Doe\nKey Takeaways\n- One\nBody.');
    expect(parsed.body).toBe('By Jane Doe\nBody.');
  });

  it('reads a wire that is only a headline', () => {
    expect(parseWire('  Only a headline  \n\n')).toEqual({
      headline: 'Only a headline',
      synopsis: '',
      takeaways: [],
      body: '',
      dateline: '',
      source: '',
    });
  });

  it('leaves the headline empty when the first line is already a header', () => {
    const parsed = parseWire('Synopsis\nSummary.\nKey Takeaways\n- One\nBody.');
    expect(parsed.headline).toBe('');
    expect(parsed.synopsis).toBe('Summary.');
    expect(parsed.takeaways).toEqual(['One']);
    expect(parsed.body).toBe('Body.');
  });
});

describe('parseWire: takeaways', () => {
  it('accepts Unicode bullets and keeps Unicode quotes, dashes and NBSP in the text', () => {
    const parsed = parseWire(
      'Kyiv’s “plan”\nKey Takeaways\n• “No,” said Peskov — firmly.\n•Tight bullet\n◦ Hollow bullet\n– En dash\n— Em dash\n* Star\nBody with 10\u00A0km and ‘quotes’.',
    );
    expect(parsed.headline).toBe('Kyiv’s “plan”');
    expect(parsed.takeaways).toEqual([
      '“No,” said Peskov — firmly.',
      'Tight bullet',
      'Hollow bullet',
      'En dash',
      'Em dash',
      'Star',
    ]);
    expect(parsed.body).toBe('Body with 10\u00A0km and ‘quotes’.');
  });

  it('accepts numbered takeaways', () => {
    const parsed = parseWire(
      'Headline\nKey Takeaways\n1. First point\n2) Second point\n10. Tenth point\nBody text.',
    );
    expect(parsed.takeaways).toEqual(['First point', 'Second point', 'Tenth point']);
    expect(parsed.body).toBe('Body text.');
  });

  it('trims takeaways, drops empty ones and skips blank lines inside the list', () => {
    const parsed = parseWire(
      'Headline\nKey Takeaways\n\n-   Padded   \n-\n- \u00A0\n\n  - Indented\n\nBody.',
    );
    expect(parsed.takeaways).toEqual(['Padded', 'Indented']);
    expect(parsed.body).toBe('Body.');
  });

  it('ends the list at the first line without a bullet', () => {
    const parsed = parseWire(
      'Headline\nKey Takeaways\n- One\nBody starts.\n- A dash line in the body',
    );
    expect(parsed.takeaways).toEqual(['One']);
    expect(parsed.body).toBe('Body starts.\n- A dash line in the body');
  });

  it('does not mistake a hyphenated word or negative number for a bullet', () => {
    const parsed = parseWire('Headline\nKey Takeaways\n- One\n-5C in Moscow on Tuesday.');
    expect(parsed.takeaways).toEqual(['One']);
    expect(parsed.body).toBe('-5C in Moscow on Tuesday.');
  });
});

describe('parseWire: dateline and source', () => {
  it('splits a multi-word city, a month with a dot and a dash after the source', () => {
    const parsed = parseWire('Headline\nNew York, Sept. 4 (Reuters) - Stocks rose on Tuesday.');
    expect(parsed.dateline).toBe('New York, Sept. 4');
    expect(parsed.source).toBe('Reuters');
    expect(parsed.body).toBe('Stocks rose on Tuesday.');
  });

  it('accepts full month names, en/em dashes, all-caps cities and particles', () => {
    const cases: Array<[string, string, string]> = [
      ['Washington, December 12 (AP) — Lawmakers met.', 'Washington, December 12', 'AP'],
      ['RIO DE JANEIRO, Jan 9 (AFP) – Rain fell.', 'RIO DE JANEIRO, Jan 9', 'AFP'],
      ['Rio de Janeiro, Jan. 9 (AFP) Rain fell.', 'Rio de Janeiro, Jan. 9', 'AFP'],
      [
        'Washington, D.C., March 3 (Reuters) Lawmakers met.',
        'Washington, D.C., March 3',
        'Reuters',
      ],
      ['New Delhi, 3 Dec (IANS) Rain fell.', 'New Delhi, 3 Dec', 'IANS'],
      ['São Paulo, Feb 28, 2025 (Reuters) -- Rain fell.', 'São Paulo, Feb 28, 2025', 'Reuters'],
    ];
    for (const [line, dateline, source] of cases) {
      const parsed = parseWire(`Headline\n${line}`);
      expect(parsed.dateline, line).toBe(dateline);
      expect(parsed.source, line).toBe(source);
      expect(parsed.body, line).toMatch(/^(Lawmakers met|Rain fell)\.$/);
    }
  });

  it('drops a dateline paragraph that has no text after it', () => {
    const parsed = parseWire('Headline\nMoscow, Dec 3 (NationPress)\nKremlin spokesperson spoke.');
    expect(parsed.dateline).toBe('Moscow, Dec 3');
    expect(parsed.source).toBe('NationPress');
    expect(parsed.body).toBe('Kremlin spokesperson spoke.');
  });

  it('leaves a body without a dateline untouched', () => {
    const body =
      'Kremlin spokesperson Dmitry Peskov (pictured) said, on Dec 3, that talks continue.';
    const parsed = parseWire(`Headline\nKey Takeaways\n- One\n${body}`);
    expect(parsed.body).toBe(body);
    expect(parsed.dateline).toBe('');
    expect(parsed.source).toBe('');
  });

  it('does not strip a dateline without a source in parentheses', () => {
    for (const body of [
      'Moscow, Dec 3 Kremlin spokesperson Dmitry Peskov spoke.',
      'Moscow, Dec 3 — Kremlin spokesperson Dmitry Peskov spoke.',
      'Moscow, Wednesday (NationPress) Kremlin spokesperson spoke.',
      'Moscow, Dec 3 () Kremlin spokesperson spoke.',
    ]) {
      const parsed = parseWire(`Headline\n${body}`);
      expect(parsed.body, body).toBe(body);
      expect(parsed.dateline, body).toBe('');
      expect(parsed.source, body).toBe('');
    }
  });

  it('only looks for a dateline at the start of the first body paragraph', () => {
    const body = 'First paragraph.\nMoscow, Dec 3 (NationPress) Second paragraph.';
    const parsed = parseWire(`Headline\n${body}`);
    expect(parsed.body).toBe(body);
    expect(parsed.dateline).toBe('');
  });
});

describe('parseWire: errors', () => {
  it('rejects empty input', () => {
    expectEmptyWire('');
  });

  it('rejects whitespace-only input (spaces, tabs, CRLF, NBSP, BOM, zero-width)', () => {
    expectEmptyWire('   \t  ');
    expectEmptyWire('\r\n\r\n \u00A0\r\r\n');
    expectEmptyWire('\uFEFF\u200B\n\u2028');
  });

  it('rejects input that has headers but no text', () => {
    expectEmptyWire('Synopsis\n\nKey Takeaways\n-\n- \n');
  });

  it('stays fast on large pathological input', () => {
    const started = performance.now();
    parseWire(`Headline\nSynopsis${'\n'.repeat(200_000)}x`);
    parseWire(`Headline\n${'Abc '.repeat(60_000)}, Dec 3 (x`);
    parseWire(`Headline\nKey Takeaways\n${'- a\n'.repeat(50_000)}`);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
