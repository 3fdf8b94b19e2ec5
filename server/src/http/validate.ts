import type { z } from 'zod';
import { badRequest } from '../errors';

/** Parses a request body with a shared zod schema; unknown fields are rejected by the schemas. */
export const parseBody = <S extends z.ZodType>(schema: S, body: unknown): z.infer<S> => {
  const result = schema.safeParse(body);
  if (!result.success) {
    const detail = result.error.issues
      .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
      .join('; ');
    throw badRequest(`Invalid request body — ${detail}`);
  }
  return result.data;
};
