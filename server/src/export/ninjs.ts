import { countChars, countWords, type StoryStatus, type StoryView } from '@copydesk/shared';

/**
 * A story as an IPTC ninjs 3.0 news item (validated against
 * shared/fixtures/ninjs/ninjs-schema_3.0.json in test/export). Mapping:
 * headline → `headlines`, synopsis → `descriptions`, key takeaways and body → `bodies`
 * (roles `keyTakeaways` and `main`), dateline → `located`, byline → `by`, source →
 * `infoSources`, last edit → `versionCreated`, workflow status → `pubStatus`.
 */

export const NINJS_SCHEMA_URI = 'http://www.iptc.org/std/ninjs/ninjs-schema_3.0.json#';

interface TextBlock {
  role: string;
  contentType: string;
  value: string;
}

interface NinjsBody extends TextBlock {
  wordCount?: number;
  charCount?: number;
}

export interface NinjsItem {
  uri: string;
  type: 'text';
  representationType: 'full';
  profile: string;
  standard: { name: 'ninjs'; version: '3.0'; schema: string };
  firstCreated: string;
  versionCreated: string;
  pubStatus: 'usable' | 'withheld' | 'canceled';
  language: string;
  headlines: TextBlock[];
  descriptions?: TextBlock[];
  bodies: NinjsBody[];
  located?: string;
  by?: string;
  infoSources?: { name: string; role: string }[];
  altIds: { role: string; value: string }[];
  edNote: string;
}

export interface NinjsOptions {
  /** `uri` is this plus the story id (default `urn:copydesk:story:`). */
  uriBase?: string;
  /** BCP 47 language of the content (default `en`). */
  language?: string;
}

const STATUS_NOTES: Record<StoryStatus, string> = {
  draft: 'Draft: not approved for publication.',
  in_review: 'In review: not approved for publication.',
  approved: 'Approved, not yet published.',
  published: 'Published.',
};

/** Only a published story is usable by receivers; anything earlier is withheld. */
export const pubStatusOf = (status: StoryStatus): NinjsItem['pubStatus'] =>
  status === 'published' ? 'usable' : 'withheld';

export const toNinjs = (story: StoryView, options: NinjsOptions = {}): NinjsItem => {
  const takeaways = story.takeaways.map((t) => t.trim()).filter((t) => t !== '');
  const bodies: NinjsBody[] = [];
  if (takeaways.length > 0) {
    bodies.push({ role: 'keyTakeaways', contentType: 'text/plain', value: takeaways.join('\n') });
  }
  bodies.push({
    role: 'main',
    contentType: 'text/plain',
    value: story.body,
    wordCount: countWords(story.body),
    charCount: countChars(story.body),
  });
  const item: NinjsItem = {
    uri: `${options.uriBase ?? 'urn:copydesk:story:'}${story.id}`,
    type: 'text',
    representationType: 'full',
    profile: 'copydesk-story',
    standard: { name: 'ninjs', version: '3.0', schema: NINJS_SCHEMA_URI },
    firstCreated: story.createdAt,
    versionCreated: story.updatedAt,
    pubStatus: pubStatusOf(story.status),
    language: options.language ?? 'en',
    headlines: [{ role: 'main', contentType: 'text/plain', value: story.headline }],
    bodies,
    altIds: [{ role: 'copydesk', value: story.id }],
    edNote: STATUS_NOTES[story.status],
  };
  if (story.synopsis.trim() !== '') {
    item.descriptions = [{ role: 'summary', contentType: 'text/plain', value: story.synopsis }];
  }
  if (story.dateline.trim() !== '') item.located = story.dateline;
  if (story.byline.trim() !== '') item.by = story.byline;
  if (story.source.trim() !== '') item.infoSources = [{ name: story.source, role: 'source' }];
  return item;
};
