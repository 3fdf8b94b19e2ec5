/**
 * Account colours: distinct hues, each readable as caret/avatar on white with
 * white initials (WCAG AA for large text). Chosen per account, never by the client.
 */
export const ACCOUNT_COLORS = [
  '#1f6feb',
  '#c2410c',
  '#15803d',
  '#9333ea',
  '#be123c',
  '#0e7490',
  '#a16207',
  '#4338ca',
] as const;

export const colorForIndex = (index: number): string =>
  ACCOUNT_COLORS[Math.abs(index) % ACCOUNT_COLORS.length] ?? '#1f6feb';

/** Translucent version of a colour for selection highlights. */
export const lightColor = (hex: string): string => `${hex}33`;

export const initials = (name: string): string =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase() ?? '')
    .join('') || '?';
