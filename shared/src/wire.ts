import type { StoryFields } from './schema';

/** Thrown for input that cannot become a story (the HTTP layer maps it to 400). */
export class WireImportError extends Error {
  constructor(
    readonly code: 'empty_wire',
    message: string,
  ) {
    super(message);
  }
}

export type ParsedWire = Pick<
  StoryFields,
  'headline' | 'synopsis' | 'takeaways' | 'body' | 'dateline' | 'source'
>;

/*
 * Wire copy layout (see shared/fixtures/wire-kremlin-peace-plan.txt):
 *
 *   Headline                      first non-empty line
 *   Synopsis                      optional header; its paragraphs follow
 *   Key Takeaways                 optional header; one "- " / "• " / "* " / "1. " line each
 *   Moscow, Dec 3 (Source) Body…  everything after the list; dateline + source are split off
 *
 * Only the markers (headers, bullets, dateline) are normalised: the text itself keeps its
 * Unicode quotes, dashes and non-breaking spaces. Size limits are the HTTP layer's job.
 */

/** Line breaks as pasted from Windows, classic Mac, and Unicode-aware editors. */
const LINE_BREAK = /\r\n|\r|\n|\u2028|\u2029/;
/** Invisible characters that make a line look non-empty (trim() already drops BOM and NBSP). */
const INVISIBLE = /[\u200B-\u200D\u2060]/g;

const isBlank = (line: string): boolean => line.replace(INVISIBLE, '').trim() === '';

/** A header line with markdown emphasis/heading stripped: "## Key Takeaways", "**Synopsis:**". */
const headerText = (line: string): string =>
  line
    .trim()
    .replace(/^#{1,6}\s*/, '')
    .replace(/^(\*\*|__)(.*)\1$/, '$2')
    .trim();

const SYNOPSIS_HEADER = /^synopsis\s*[:：]?$/iu;
/** "Synopsis: text on the same line" starts the synopsis with that text. */
const SYNOPSIS_INLINE = /^synopsis\s*[:：]\s*(\S.*)$/iu;
const TAKEAWAYS_HEADER = /^(?:key\s+)?takeaways?\s*[:：]?$/iu;

/** "- ", "* ", "– ", "— ", "1. ", "1) ", and round bullets "•", "◦", "▪"… (space optional). */
const BULLET = /^\s*(?:[-*–—](?:\s+|$)|[•‣◦▪●·]\s*|\d{1,3}[.)](?:\s+|$))/u;

type Header = { kind: 'synopsis'; inline: string } | { kind: 'takeaways' };

const parseHeader = (line: string): Header | null => {
  // Header-only lines are short; "Synopsis: …" with inline text is the one long form.
  if (!/^\s*[#*_]{0,6}\s*(?:synopsis|key|takeaway)/iu.test(line)) return null;
  const text = headerText(line);
  if (SYNOPSIS_HEADER.test(text)) return { kind: 'synopsis', inline: '' };
  const inline = SYNOPSIS_INLINE.exec(text);
  if (inline?.[1]) return { kind: 'synopsis', inline: inline[1].trim() };
  if (TAKEAWAYS_HEADER.test(text)) return { kind: 'takeaways' };
  return null;
};

/** Non-blank lines, trimmed, one paragraph each (blank lines collapse). */
const paragraphs = (lines: readonly string[]): string[] =>
  lines.filter((line) => !isBlank(line)).map((line) => line.trim());

// ---------------------------------------------------------------------------------------------
// Dateline: "City, Mon D (Source) " at the start of the body's first paragraph.

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'Jun',
  'Jul',
  'Aug',
  'Sept',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
];
/** Month names as written in datelines: "Dec", "Dec.", "December", "DEC", "Sept.". */
const MONTH = `(?:${MONTHS.flatMap((m) => [m, m.toUpperCase()]).join('|')})\\.?`;
const DAY = String.raw`\d{1,2}(?:st|nd|rd|th)?`;
/** A capitalised place word: "Moscow", "NEW", "D.C.", "Kyiv/Moscow", "Aix-en-Provence". */
const PLACE_WORD = String.raw`[\p{Lu}\p{Lt}\p{Lo}][\p{L}\p{M}\p{N}'’./-]*`;
/** Lower-case words allowed inside a place name: "Rio de Janeiro", "Frankfurt am Main". */
const PARTICLE =
  '(?:de|da|do|dos|das|del|della|di|du|des|la|le|les|el|al|am|an|im|on|upon|sur|en|of|the|y)';
const PLACE = `${PLACE_WORD}(?:[ \\u00A0]+(?:${PLACE_WORD}|${PARTICLE})){0,4}`;
const DATE = `(?:${MONTH}[ \\u00A0]+${DAY}|${DAY}[ \\u00A0]+${MONTH})(?:,?[ \\u00A0]+\\d{4})?`;
const DATELINE = new RegExp(
  // "City[, Region], Mon D[, YYYY]"
  `^(?<dateline>${PLACE}(?:,[ \\u00A0]*${PLACE})?,[ \\u00A0]*${DATE})` +
    // " (Source)"
    String.raw`\s*\((?<source>[^()\n]{1,80})\)` +
    // then an optional " - ", " -- ", " – ", " — " or ":" before the text
    String.raw`(?:\s*(?:--?|[–—])(?=\s|$)|:)?\s*`,
  'u',
);

interface Dateline {
  dateline: string;
  source: string;
  rest: string;
}

/** Splits "Moscow, Dec 3 (NationPress) Kremlin…" into its parts; null unless it clearly matches. */
const splitDateline = (paragraph: string): Dateline | null => {
  const match = DATELINE.exec(paragraph);
  const dateline = match?.groups?.dateline?.trim();
  const source = match?.groups?.source?.trim();
  if (!match || !dateline || !source || !/\p{L}/u.test(source)) return null;
  return { dateline, source, rest: paragraph.slice(match[0].length).trim() };
};

// ---------------------------------------------------------------------------------------------

type Section = 'lead' | 'synopsis' | 'takeaways' | 'body';

/**
 * Splits pasted wire copy into story fields. Throws WireImportError for input with no text.
 * Pure and synchronous: the server uses it for POST /api/stories and the client for the live
 * preview, so both always agree.
 */
export const parseWire = (raw: string): ParsedWire => {
  const lines = raw.split(LINE_BREAK);
  const first = lines.findIndex((line) => !isBlank(line));
  const firstLine = lines[first];
  if (first < 0 || firstLine === undefined) {
    throw new WireImportError(
      'empty_wire',
      'The wire copy is empty: paste the story text, starting with the headline.',
    );
  }

  // The headline is the first non-empty line, unless that line is already a section header.
  const headlineIsHeader = parseHeader(firstLine) !== null;
  const headline = headlineIsHeader ? '' : firstLine.trim();
  const rest = lines.slice(headlineIsHeader ? first : first + 1);

  const hasTakeawaysHeader = rest.some((line) => parseHeader(line)?.kind === 'takeaways');

  let section: Section = 'lead';
  let seenSynopsis = false;
  let seenTakeaways = false;
  const lead: string[] = [];
  const synopsis: string[] = [];
  let synopsisHasText = false;
  const takeaways: string[] = [];
  const body: string[] = [];

  for (const line of rest) {
    if (section === 'body') {
      body.push(line);
      continue;
    }
    // Each header is recognised once, anywhere before the body starts.
    const header = parseHeader(line);
    if (header?.kind === 'synopsis' && !seenSynopsis) {
      seenSynopsis = true;
      section = 'synopsis';
      if (header.inline) {
        synopsis.push(header.inline);
        synopsisHasText = true;
      }
      continue;
    }
    if (header?.kind === 'takeaways' && !seenTakeaways) {
      seenTakeaways = true;
      section = 'takeaways';
      continue;
    }

    if (section === 'lead') {
      lead.push(line);
    } else if (section === 'synopsis') {
      // With a Key Takeaways header still to come, the synopsis runs up to it. Without one, the
      // synopsis is the first block: it ends at a blank line or where a dateline starts the body.
      const startsBody =
        (seenTakeaways || !hasTakeawaysHeader) &&
        (isBlank(line) ? synopsisHasText : splitDateline(line.trim()) !== null);
      if (startsBody) {
        section = 'body';
        body.push(line);
      } else {
        synopsis.push(line);
        if (!isBlank(line)) synopsisHasText = true;
      }
    } else {
      // Takeaways: one per bulleted line; blank lines are skipped; anything else starts the body.
      if (isBlank(line)) continue;
      const bullet = BULLET.exec(line);
      if (bullet) {
        const text = line.slice(bullet[0].length).trim();
        if (!isBlank(text)) takeaways.push(text);
      } else {
        section = 'body';
        body.push(line);
      }
    }
  }

  const bodyParagraphs = paragraphs([...lead, ...body]);
  let dateline = '';
  let source = '';
  const opening = bodyParagraphs[0];
  const split = opening === undefined ? null : splitDateline(opening);
  if (split) {
    dateline = split.dateline;
    source = split.source;
    if (split.rest) bodyParagraphs[0] = split.rest;
    else bodyParagraphs.shift();
  }

  const parsed: ParsedWire = {
    headline,
    synopsis: paragraphs(synopsis).join('\n'),
    takeaways,
    body: bodyParagraphs.join('\n'),
    dateline,
    source,
  };
  if (!parsed.headline && !parsed.synopsis && !parsed.takeaways.length && !parsed.body) {
    throw new WireImportError(
      'empty_wire',
      'The wire copy has section headers but no headline or text.',
    );
  }
  return parsed;
};
