export {
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportRouterDeps,
  exportFilename,
  exportRouter,
  renderExport,
  type StoryViews,
} from './export-routes';
export { NINJS_SCHEMA_URI, type NinjsItem, type NinjsOptions, pubStatusOf, toNinjs } from './ninjs';
export { escapeHtml, escapeMarkdown, toHtml, toMarkdown } from './text-formats';
