import { randomBytes } from 'node:crypto';
import {
  type CreateStoryBody,
  isStoryId,
  LIMITS,
  parseWire,
  readFields,
  type StoryFields,
  type StorySummary,
  type StoryView,
  WireImportError,
  writeFields,
} from '@copydesk/shared';
import * as Y from 'yjs';
import { badRequest, HttpError, notFound, tooLarge } from '../errors';
import { iso } from '../iso-time';
import type { Storage, StoryRecord } from '../storage/storage';
import type { RoomRegistry } from '../sync/room-registry';

export const newStoryId = (): string => randomBytes(12).toString('base64url');

export const toSummary = (s: StoryRecord, names: ReadonlyMap<string, string>): StorySummary => ({
  id: s.id,
  headline: s.headline,
  status: s.status,
  createdAt: iso(s.createdAt),
  updatedAt: iso(s.updatedAt),
  updatedBy: s.updatedBy,
  updatedByName: s.updatedBy ? (names.get(s.updatedBy) ?? null) : null,
});

/** Turns a create request into the fields of a new story, or a clear 400/413. */
export const fieldsFromRequest = (body: CreateStoryBody): Partial<StoryFields> => {
  if ('headline' in body) return { headline: body.headline };
  if (Buffer.byteLength(body.wire, 'utf8') > LIMITS.wireBytes) {
    throw tooLarge(`Wire copy is limited to ${LIMITS.wireBytes / 1024} KiB.`);
  }
  try {
    const parsed = parseWire(body.wire);
    return { ...parsed, headline: parsed.headline.slice(0, LIMITS.headlineChars) };
  } catch (err) {
    if (err instanceof WireImportError) throw new HttpError(400, err.code, err.message);
    throw err;
  }
};

export class StoryService {
  constructor(
    private readonly storage: Storage,
    private readonly registry: RoomRegistry,
  ) {}

  async list(): Promise<StorySummary[]> {
    const [records, accounts] = await Promise.all([
      this.storage.listStories(),
      this.storage.listAccounts(),
    ]);
    const names = new Map(accounts.map((a) => [a.id, a.displayName]));
    return records.map((r) => toSummary(r, names));
  }

  /** Builds the first document state and stores story + first update in one transaction. */
  async create(body: CreateStoryBody, userId: string): Promise<StoryView> {
    const fields = fieldsFromRequest(body);
    const doc = new Y.Doc();
    writeFields(doc, fields);
    const update = Y.encodeStateAsUpdate(doc);
    doc.destroy();
    const now = Date.now();
    const record: StoryRecord = {
      id: newStoryId(),
      headline: fields.headline ?? '',
      status: 'draft',
      createdAt: now,
      createdBy: userId,
      updatedAt: now,
      updatedBy: userId,
    };
    await this.storage.createStory(record, { userId, at: now, update });
    return this.view(record.id);
  }

  /** The live JSON view, read from the document (loaded briefly if no one has it open). */
  async view(id: string): Promise<StoryView> {
    const record = isStoryId(id) ? await this.storage.getStory(id) : null;
    if (!record) throw notFound('No story with this id.');
    const fields = await this.registry.withRoom(id, (room) => readFields(room.doc));
    const fresh = (await this.storage.getStory(id)) ?? record;
    const { byline, ...rest } = fields;
    return {
      id,
      ...rest,
      byline,
      status: fresh.status,
      createdAt: iso(fresh.createdAt),
      updatedAt: iso(fresh.updatedAt),
    };
  }
}

export const assertStoryId = (id: string): void => {
  if (!isStoryId(id)) throw badRequest('Malformed story id.');
};
