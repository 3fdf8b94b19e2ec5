import {
  type AttributionResponse,
  countChars,
  countWords,
  LIMITS,
  SYNOPSIS_WORD_TARGET,
  targetState,
} from '@copydesk/shared';
import { attributionOf } from '../history/authorMarks';
import { CollabEditor } from './CollabEditor';
import { Counter, FieldShell, peopleIn } from './FieldShell';
import type { Person } from './people';
import type { StorySession } from './storySession';
import { useYText } from './yHooks';

export interface FieldProps {
  session: StorySession;
  people: Person[];
  readOnly: boolean;
  /** Who wrote what, when the story view colours text by author. */
  attribution: AttributionResponse | null;
}

export function HeadlineField({ session, people, readOnly, attribution }: FieldProps) {
  const chars = countChars(useYText(session.types.headline));
  return (
    <FieldShell
      id="headline"
      label="Headline"
      className="field-headline"
      here={peopleIn(people, 'headline')}
      counter={
        <Counter
          text={`${chars} / ${LIMITS.headlineChars} characters`}
          outside={chars > LIMITS.headlineChars}
        />
      }
    >
      <CollabEditor
        session={session}
        ytext={session.types.headline}
        attribution={attributionOf(attribution, 'headline')}
        field="headline"
        label="Headline"
        testId="field-headline"
        multiline={false}
        readOnly={readOnly}
        placeholder={readOnly ? 'No headline yet' : 'Headline'}
      />
    </FieldShell>
  );
}

export function SynopsisField({ session, people, readOnly, attribution }: FieldProps) {
  const text = useYText(session.types.synopsis);
  const words = countWords(text);
  const state = targetState(words, SYNOPSIS_WORD_TARGET);
  const target = `${SYNOPSIS_WORD_TARGET.min}–${SYNOPSIS_WORD_TARGET.max}`;
  return (
    <FieldShell
      id="synopsis"
      label="Synopsis"
      here={peopleIn(people, 'synopsis')}
      counter={
        <Counter
          testId="synopsis-counter"
          text={`${words} words · ${countChars(text)} characters · target ${target} words`}
          outside={state !== 'within'}
          title={
            state === 'within' ? 'Within target' : state === 'under' ? 'Too short' : 'Too long'
          }
        />
      }
    >
      <CollabEditor
        session={session}
        ytext={session.types.synopsis}
        attribution={attributionOf(attribution, 'synopsis')}
        field="synopsis"
        label="Synopsis"
        testId="field-synopsis"
        multiline
        readOnly={readOnly}
        placeholder={readOnly ? 'No synopsis yet' : `Summarise the story in ${target} words`}
      />
    </FieldShell>
  );
}

export function BodyField({ session, people, readOnly, attribution }: FieldProps) {
  const words = countWords(useYText(session.types.body));
  return (
    <FieldShell
      id="body"
      label="Body"
      className="field-body"
      here={peopleIn(people, 'body')}
      counter={<Counter text={`${words} words`} outside={false} />}
    >
      <CollabEditor
        session={session}
        ytext={session.types.body}
        attribution={attributionOf(attribution, 'body')}
        field="body"
        label="Body"
        testId="field-body"
        multiline
        readOnly={readOnly}
        placeholder={readOnly ? 'No body text yet' : 'Article text'}
      />
    </FieldShell>
  );
}
