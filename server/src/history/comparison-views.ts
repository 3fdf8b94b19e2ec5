import {
  type AttributionResponse,
  CURRENT_POINT,
  HISTORY_TEXT_FIELDS,
  type HistoryPoint,
  type HistoryTextField,
  SEEN_POINT,
  type StoryDiff,
} from '@copydesk/shared';
import { notFound } from '../errors';
import { iso } from '../iso-time';
import type { RoomRegistry } from '../sync/room-registry';
import { attributeText, compareContents, comparisonUserIds } from './compare';
import { type DocContent, readContent } from './doc-content';
import type { StoryContents } from './story-contents';
import type { StoryLookup } from './story-lookup';
import { describeChanges } from './summary';
import type { VersionSummaries } from './version-summaries';

interface ResolvedPoint {
  point: HistoryPoint;
  content: DocContent;
  seq: number;
}

export interface ComparisonViewsOptions {
  registry: RoomRegistry;
  lookup: StoryLookup;
  contents: StoryContents;
  summaries: VersionSummaries;
}

/**
 * Comparisons and authorship as the API serves them, between or at points of a story's log:
 * a version (`vid`), `current` (the live document) or `seen` (where the user last looked).
 */
export class ComparisonViews {
  constructor(private readonly options: ComparisonViewsOptions) {}

  private async point(storyId: string, param: string, userId: string): Promise<ResolvedPoint> {
    const { registry, lookup, contents } = this.options;
    const store = lookup.store();
    if (param === CURRENT_POINT) {
      await lookup.requireStory(storyId);
      const content = await registry.withRoom(storyId, (room) => readContent(room.doc));
      const latest = await store.latestUpdate(storyId);
      return {
        content,
        seq: latest?.seq ?? 0,
        point: {
          kind: 'current',
          version: null,
          label: 'Current',
          seq: latest?.seq ?? 0,
          at: latest ? iso(latest.at) : null,
        },
      };
    }
    if (param === SEEN_POINT) {
      await lookup.requireStory(storyId);
      const mark = await store.getSeen(storyId, userId);
      if (!mark) throw notFound('You have not looked at this story before.');
      return {
        content: await contents.at(storyId, mark.seq),
        seq: mark.seq,
        point: { kind: 'seen', version: null, label: 'Last seen', seq: mark.seq, at: iso(mark.at) },
      };
    }
    const record = await lookup.version(storyId, param);
    return {
      content: await contents.at(storyId, record.seq),
      seq: record.seq,
      point: {
        kind: 'version',
        version: { id: String(record.number), number: record.number },
        label: `Version ${record.number}${record.name ? ` · ${record.name}` : ''}`,
        seq: record.seq,
        at: record.editedAt === null ? null : iso(record.editedAt),
      },
    };
  }

  /** Field-by-field comparison of two points (`vid`, `current` or `seen`). */
  async diff(
    storyId: string,
    fromParam: string,
    toParam: string,
    userId: string,
  ): Promise<StoryDiff> {
    const from = await this.point(storyId, fromParam, userId);
    const to = await this.point(storyId, toParam, userId);
    const index = await this.options.contents.index(storyId, Math.max(from.seq, to.seq));
    const comparison = compareContents(from.content, to.content, {
      index,
      fromSeq: from.seq,
      toSeq: to.seq,
    });
    const users = await this.options.summaries.users(comparisonUserIds(comparison));
    return {
      storyId,
      from: from.point,
      to: to.point,
      fields: comparison.fields,
      takeaways: comparison.takeaways,
      changed: comparison.changed,
      summary: comparison.changed
        ? describeChanges(comparison.changes, users) || 'Changes by unknown authors'
        : 'No changes',
      changes: comparison.changes,
      users,
    };
  }

  /** Who wrote every character, at a version or now. */
  async attribution(storyId: string, param: string, userId: string): Promise<AttributionResponse> {
    const at = await this.point(storyId, param, userId);
    const index = await this.options.contents.index(storyId, at.seq);
    const fields = {} as AttributionResponse['fields'];
    for (const name of HISTORY_TEXT_FIELDS) {
      const f = at.content.fields[name as HistoryTextField];
      fields[name] = attributeText(f.text, f.segments, index);
    }
    fields.takeaways = at.content.takeaways.map((t) => attributeText(t.text, t.segments, index));
    const ids = new Set<string>();
    for (const name of HISTORY_TEXT_FIELDS)
      for (const r of fields[name]) if (r.userId) ids.add(r.userId);
    for (const list of fields.takeaways) for (const r of list) if (r.userId) ids.add(r.userId);
    return { storyId, at: at.point, fields, users: await this.options.summaries.users(ids) };
  }
}
