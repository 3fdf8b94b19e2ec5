// Renders comment text with `@username` mentions set off, as text only.

const MENTION = /(?<![\p{L}\p{N}_.@])@[A-Za-z0-9][A-Za-z0-9._-]{0,63}/gu;

/** Comment text as text, with `@username` mentions set off (never parsed as HTML). */
export function CommentText({ text }: { text: string }) {
  const parts: { text: string; mention: boolean }[] = [];
  let at = 0;
  for (const match of text.matchAll(MENTION)) {
    const index = match.index ?? 0;
    if (index > at) parts.push({ text: text.slice(at, index), mention: false });
    parts.push({ text: match[0], mention: true });
    at = index + match[0].length;
  }
  if (at < text.length) parts.push({ text: text.slice(at), mention: false });
  return (
    <p className="comment-text">
      {parts.map((part, i) =>
        part.mention ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one immutable string
          <span key={i} className="mention">
            {part.text}
          </span>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one immutable string
          <span key={i}>{part.text}</span>
        ),
      )}
    </p>
  );
}
