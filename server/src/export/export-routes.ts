import type { StoryView } from '@copydesk/shared';
import { Router } from 'express';
import { checkStoryIdParam, requireUser } from '../activity/route-helpers';
import type { TokenService } from '../auth/tokens';
import { badRequest } from '../errors';
import type { Storage } from '../storage/storage';
import { type NinjsOptions, toNinjs } from './ninjs';
import { toHtml, toMarkdown } from './text-formats';

export const EXPORT_FORMATS = ['ninjs', 'markdown', 'html'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The live story view (StoryService.view in the app). */
export interface StoryViews {
  view(id: string): Promise<StoryView>;
}

export interface ExportRouterDeps {
  tokens: TokenService;
  storage: Storage;
  stories: StoryViews;
  ninjs?: NinjsOptions;
}

const EXTENSIONS: Record<ExportFormat, string> = { ninjs: 'json', markdown: 'md', html: 'html' };
const CONTENT_TYPES: Record<ExportFormat, string> = {
  ninjs: 'application/json; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

/** An ASCII slug of the headline (at most 60 characters), or `story-<id>`. */
export const exportFilename = (story: Pick<StoryView, 'id' | 'headline'>, ext: string): string => {
  const slug = story.headline
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${slug || `story-${story.id}`}.${ext}`;
};

/** Renders a story in one of the export formats: the body and its content type. */
export const renderExport = (
  story: StoryView,
  format: ExportFormat,
  ninjs: NinjsOptions = {},
): { body: string; contentType: string; filename: string } => {
  const body =
    format === 'ninjs'
      ? `${JSON.stringify(toNinjs(story, ninjs), null, 2)}\n`
      : format === 'markdown'
        ? toMarkdown(story)
        : toHtml(story, ninjs.language);
  return {
    body,
    contentType: CONTENT_TYPES[format],
    filename: exportFilename(story, EXTENSIONS[format]),
  };
};

/**
 * `GET /stories/:id/export?format=ninjs|markdown|html` (mount under `/api`): the live story as a
 * download. Any signed-in role may export; the format defaults to ninjs; anything else is 400.
 */
export const exportRouter = (deps: ExportRouterDeps): Router => {
  const router = Router();
  const auth = requireUser(deps.tokens, deps.storage);
  checkStoryIdParam(router);

  router.get('/stories/:id/export', auth, async (req, res) => {
    const raw = req.query.format ?? 'ninjs';
    const format = EXPORT_FORMATS.find((f) => f === raw);
    if (!format) throw badRequest(`format must be one of ${EXPORT_FORMATS.join(', ')}.`);
    const story = await deps.stories.view(req.params.id as string);
    const out = renderExport(story, format, deps.ninjs);
    res.setHeader('Content-Type', out.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${out.filename}"`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(out.body);
  });

  return router;
};
