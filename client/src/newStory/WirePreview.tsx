import { countWords, LIMITS, type ParsedWire, parseWire } from '@copydesk/shared';
import { useDeferredValue, useMemo } from 'react';

type PreviewResult = { ok: true; parsed: ParsedWire } | { ok: false; message: string };

const BODY_PREVIEW_CHARS = 400;

const preview = (raw: string): PreviewResult => {
  if (!raw.trim())
    return { ok: false, message: 'Paste wire copy to see how it splits into fields.' };
  try {
    return { ok: true, parsed: parseWire(raw) };
  } catch (error) {
    return {
      ok: false,
      message: error instanceof Error ? error.message : 'Cannot read this copy.',
    };
  }
};

export const wireBytes = (raw: string): number => new TextEncoder().encode(raw).length;
export const wireTooLarge = (raw: string): boolean => wireBytes(raw) > LIMITS.wireBytes;

function Section({
  label,
  empty,
  children,
}: {
  label: string;
  empty: boolean;
  children: React.ReactNode;
}) {
  return (
    <section className="preview-section">
      <h3 className="preview-label">{label}</h3>
      {empty ? <p className="preview-empty">(none)</p> : children}
    </section>
  );
}

/** Live preview of how the server will split the pasted copy (same parser as the server). */
export function WirePreview({ raw }: { raw: string }) {
  // Parsing a long paste on every keystroke would lag typing; preview the deferred value.
  const deferred = useDeferredValue(raw);
  const result = useMemo(() => preview(deferred), [deferred]);
  if (!result.ok) {
    return (
      <div className="wire-preview wire-preview-hint" data-testid="wire-preview">
        {result.message}
      </div>
    );
  }
  const { headline, dateline, source, synopsis, takeaways, body } = result.parsed;
  const bodyWords = countWords(body);
  return (
    <section
      className="wire-preview"
      data-testid="wire-preview"
      aria-label="Preview of the new story"
    >
      <Section label="Headline" empty={!headline}>
        <p className="preview-headline">{headline}</p>
      </Section>
      <Section label="Dateline · Source" empty={!dateline && !source}>
        <p>
          {dateline || '—'} · {source || '—'}
        </p>
      </Section>
      <Section label={`Synopsis (${countWords(synopsis)} words)`} empty={!synopsis}>
        <p className="preview-text">{synopsis}</p>
      </Section>
      <Section label={`Key takeaways (${takeaways.length})`} empty={takeaways.length === 0}>
        <ol className="preview-takeaways">
          {takeaways.map((item, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: takeaways may repeat and this list is never reordered.
            <li key={index}>{item}</li>
          ))}
        </ol>
      </Section>
      <Section label={`Body (${bodyWords} words)`} empty={!body}>
        <p className="preview-text">
          {body.length > BODY_PREVIEW_CHARS ? `${body.slice(0, BODY_PREVIEW_CHARS)}…` : body}
        </p>
      </Section>
    </section>
  );
}
