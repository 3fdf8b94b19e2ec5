import { initials } from '@copydesk/shared';

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

/** Colours come from other clients' awareness; only a plain hex colour reaches a style. */
export const safeColor = (color: string | undefined): string =>
  color && HEX_COLOR.test(color) ? color : '#5b6470';

interface AvatarProps {
  name: string;
  color: string | undefined;
  size?: 'small' | 'normal';
  typing?: boolean;
  /** Extra words for the hover title, e.g. the field the person is in. */
  detail?: string;
}

/** A person everywhere: a round avatar with initials in their account colour, name on hover. */
export function Avatar({ name, color, size = 'normal', typing = false, detail }: AvatarProps) {
  const title = detail ? `${name} · ${detail}` : name;
  return (
    <span
      className={`avatar avatar-${size}`}
      style={{ backgroundColor: safeColor(color) }}
      title={title}
      role="img"
      aria-label={typing ? `${title} (typing)` : title}
    >
      <span aria-hidden="true">{initials(name)}</span>
      {typing ? <span className="avatar-typing" aria-hidden="true" /> : null}
    </span>
  );
}
