import { MetaKey } from '@copydesk/shared';
import { FieldAvatars, peopleIn } from './FieldShell';
import { LOCAL_ORIGIN } from './storySession';
import type { FieldProps } from './TextFields';
import { useYMapString } from './yHooks';

type MetaField = typeof MetaKey.dateline | typeof MetaKey.source;

interface MetaInputProps extends FieldProps {
  field: MetaField;
  label: string;
  placeholder: string;
}

/** A short meta value (last writer wins): written to the `meta` Y.Map on every input. */
function MetaInput({ session, people, readOnly, field, label, placeholder }: MetaInputProps) {
  const { doc, types, presence } = session;
  const value = useYMapString(types.meta, field);
  const id = `meta-${field}`;
  return (
    <div className="meta-field">
      <div className="story-field-header">
        <label className="story-field-label" htmlFor={id}>
          {label}
        </label>
        <FieldAvatars people={peopleIn(people, field)} />
      </div>
      <input
        id={id}
        className="input meta-input"
        data-testid={`field-${field}`}
        value={value}
        placeholder={readOnly ? '—' : placeholder}
        readOnly={readOnly}
        aria-readonly={readOnly}
        spellCheck={false}
        onFocus={() => {
          session.undoManager.stopCapturing();
          presence.enterField(field);
          // A dateline or source comment anchors to the whole value.
          session.editors.setLast({ field, from: 0, to: value.length, quote: value });
        }}
        onBlur={() => presence.leaveField(field)}
        onChange={(event) => {
          if (readOnly) return;
          const next = event.target.value;
          doc.transact(() => types.meta.set(field, next), LOCAL_ORIGIN);
          presence.noteTyping();
        }}
      />
    </div>
  );
}

export function MetaFields(props: FieldProps) {
  return (
    <section className="story-field meta-fields" aria-label="Dateline and source">
      <MetaInput {...props} field={MetaKey.dateline} label="Dateline" placeholder="City, Mon D" />
      <MetaInput {...props} field={MetaKey.source} label="Source" placeholder="Agency" />
    </section>
  );
}
