/**
 * The product's settings, read from the environment once, at start-up, with a clear line for each
 * variable that is wrong. Connection settings (TEMPORAL_*) follow @temporalio/envconfig and are read
 * by src/client/connection.ts; mail settings are checked again, in depth, by the mail transport.
 */
import path from 'node:path';
import { z } from 'zod';
import type { Lang } from './domain/plan';

/** What the CLI, `dev` and the worker are configured with. */
export interface Settings {
  /** Outbox, sent ledger, dev database: REMEDIATE_VAR_DIR, else `var/` of the checkout. */
  varDir: string;
  /** Language of the CLI's tables: REMEDIATE_LANG (`ja` or `en`), else LANG starting with `ja`, else English. */
  lang: Lang;
  /** The SDK's log level in `dev`: REMEDIATE_LOG_LEVEL, default WARN. */
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** The acting person when `--as` is not given: REMEDIATE_AS. */
  actor?: string;
  /** The whole environment, for the mail transport (SMTP_URL, MAIL_FROM) and the connection (TEMPORAL_*). */
  env: NodeJS.ProcessEnv;
}

/** Settings that are wrong: one line per variable, naming it. */
export class SettingsError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'SettingsError';
  }
}

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

const schema = z.object({
  REMEDIATE_VAR_DIR: z.string().optional(),
  REMEDIATE_LANG: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(['ja', 'en'], { message: 'must be ja or en' }))
    .optional(),
  REMEDIATE_LOG_LEVEL: z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }))
    .optional(),
  REMEDIATE_AS: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, { message: 'must be a person id of the plan (a-z, 0-9, ., _, -)' })
    .optional(),
});

/** Reads the settings from `env` (default: this process's); throws SettingsError naming every bad variable. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, root = path.join(__dirname, '..')): Settings {
  const input = Object.fromEntries(
    ['REMEDIATE_VAR_DIR', 'REMEDIATE_LANG', 'REMEDIATE_LOG_LEVEL', 'REMEDIATE_AS'].map((k) => [k, blank(env[k])]),
  );
  const r = schema.safeParse(input);
  if (!r.success) {
    throw new SettingsError(
      r.error.issues.map((i) => {
        const name = String(i.path[0]);
        return `${name}=${env[name] ?? ''}: ${i.message} / 環境変数 ${name} が正しくありません`;
      }),
    );
  }
  const s = r.data;
  return {
    varDir: path.resolve(s.REMEDIATE_VAR_DIR ?? path.join(root, 'var')),
    lang: s.REMEDIATE_LANG ?? ((env.LANG ?? '').toLowerCase().startsWith('ja') ? 'ja' : 'en'),
    logLevel: s.REMEDIATE_LOG_LEVEL ?? 'WARN',
    ...(s.REMEDIATE_AS !== undefined ? { actor: s.REMEDIATE_AS } : {}),
    env,
  };
}
