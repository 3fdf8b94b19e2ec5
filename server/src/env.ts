import path from 'node:path';
import { z } from 'zod';

/** The only place that reads process.env. Everything else takes options. */
const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z.string().url().optional(),
    REDIS_URL: z.string().url().optional(),
    AUTH_SECRET: z.string().min(32, 'AUTH_SECRET must be at least 32 characters').optional(),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .default(12 * 3600),
    STORY_UNLOAD_AFTER_MS: z.coerce.number().int().min(0).default(30_000),
    COMPACT_EVERY_UPDATES: z.coerce.number().int().min(10).default(2_000),
    CLIENT_DIST: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.AUTH_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_SECRET'],
        message: 'AUTH_SECRET is required when NODE_ENV=production',
      });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

/** Parses the environment once; reports every problem at once and exits on failure. */
export const readEnv = (source: NodeJS.ProcessEnv = process.env): Env => {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    process.stderr.write(`Invalid configuration:\n${lines.join('\n')}\n`);
    process.exit(78);
  }
  return { ...result.data, DATA_DIR: path.resolve(result.data.DATA_DIR) };
};
