/**
 * The product's settings, read from the environment once, at start-up, with a clear line for each
 * variable that is wrong. Connection settings (TEMPORAL_*) follow @temporalio/envconfig and are read
 * by src/client/connection.ts; mail settings are checked again, in depth, by the mail transport.
 * Encryption keys (REMEDIATE_KEYS, REMEDIATE_KEY_FILE, else the local key file `<varDir>/keys`) are
 * parsed here and used by the payload codec of src/client/codec.ts.
 */
import { readFileSync } from 'node:fs';
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
  /**
   * The payload codec's keys: REMEDIATE_KEYS, else REMEDIATE_KEY_FILE, else the local key file
   * `<varDir>/keys` if it exists (`remediate dev` creates it). None: commands that reach Temporal refuse
   * to start (see requireKeys).
   */
  keys?: EncryptionKeys;
  /** Port of `remediate dev`'s codec endpoint for the Temporal UI: REMEDIATE_CODEC_PORT, default 8234; `off`: null. */
  codecPort: number | null;
  /**
   * The web's public base URL, written into mails (signed action links, the measure's page):
   * REMEDIATE_WEB_URL. Unset: mails carry the CLI commands only (`remediate dev` sets it to the web it starts).
   */
  webUrl?: string;
  /** Port of `remediate web` (and of the web `remediate dev` starts): REMEDIATE_WEB_PORT, default 8235; `off` (dev only): null. */
  webPort: number | null;
  /** The whole environment, for the mail transport (SMTP_URL, MAIL_FROM) and the connection (TEMPORAL_*). */
  env: NodeJS.ProcessEnv;
}

/** AES-256 keys by id: the first configured is current (new payloads), the others still decrypt (rotation). */
export interface EncryptionKeys {
  /** Id of the key that encrypts new payloads. */
  current: string;
  /** Every known key, the current one included: 32 bytes each. */
  byId: ReadonlyMap<string, Buffer>;
  /** Where the keys came from, for messages (never the keys themselves). */
  source: string;
}

/** Settings that are wrong: one line per variable, naming it. */
export class SettingsError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'SettingsError';
  }
}

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
/** The default port of the codec endpoint: beside the UI's 8233. */
export const DEFAULT_CODEC_PORT = 8234;
/** The default port of the web: beside the codec endpoint. */
export const DEFAULT_WEB_PORT = 8235;
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=?$/;
const KEYS_HINT = 'expected <id>:<base64 of 32 bytes>, e.g. k2026:$(openssl rand -base64 32)';
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
  REMEDIATE_CODEC_PORT: z
    .string()
    .transform((v) => v.toLowerCase())
    .refine((v) => v === 'off' || (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535), {
      message: 'must be a port (1-65535) or off',
    })
    .transform((v) => (v === 'off' ? null : Number(v)))
    .optional(),
  REMEDIATE_WEB_PORT: z
    .string()
    .transform((v) => v.toLowerCase())
    .refine((v) => v === 'off' || (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535), {
      message: 'must be a port (1-65535) or off',
    })
    .transform((v) => (v === 'off' ? null : Number(v)))
    .optional(),
  REMEDIATE_WEB_URL: z
    .string()
    .refine(
      (v) => {
        try {
          const u = new URL(v);
          return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash && !u.username;
        } catch {
          return false;
        }
      },
      {
        message:
          'must be an http:// or https:// URL without query, fragment or credentials (the web as mail readers reach it)',
      },
    )
    .transform((v) => new URL(v).href.replace(/\/+$/, ''))
    .optional(),
});

/**
 * Parses keys written as `<id>:<base64 of 32 bytes>` entries, the first one current. `where(i)` names
 * entry i in a message; messages name key ids, never key material.
 */
export function parseKeys(
  entries: string[],
  source: string,
  where: (i: number) => string,
): { keys?: EncryptionKeys; problems: string[] } {
  const problems: string[] = [];
  const byId = new Map<string, Buffer>();
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const material = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (colon < 0) return problems.push(`${where(i)}: not <id>:<key> (${KEYS_HINT})`);
    if (!KEY_ID.test(id))
      return problems.push(`${where(i)}: the key id must be 1-64 characters of A-Z, a-z, 0-9, ., _, - (${KEYS_HINT})`);
    if (byId.has(id)) return problems.push(`${where(i)}: key id ${id} is given twice`);
    const bytes = Buffer.from(material, 'base64');
    if (!BASE64_32_BYTES.test(material) || bytes.length !== 32)
      return problems.push(`${where(i)}: key ${id} is not 32 bytes in standard base64 (${KEYS_HINT})`);
    byId.set(id, bytes);
  });
  const current = entries.length > 0 && problems.length === 0 ? [...byId.keys()][0] : undefined;
  if (entries.length === 0) problems.push(`${where(-1)}: no key (${KEYS_HINT})`);
  return current === undefined ? { problems } : { keys: { current, byId, source }, problems };
}

/** The entries of a key file: one `<id>:<key>` a line; blank lines and `#` comments are skipped. */
function keyFileEntries(text: string): { entries: string[]; lines: number[] } {
  const entries: string[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    entries.push(t);
    lines.push(i + 1);
  });
  return { entries, lines };
}

/** Reads a key file; `label` names it in messages (the variable, or the local key file). */
export function readKeyFile(file: string, label: string): { keys?: EncryptionKeys; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { problems: [`${label}: cannot read the key file (${(e as NodeJS.ErrnoException).code ?? String(e)})`] };
  }
  const { entries, lines } = keyFileEntries(text);
  return parseKeys(entries, label, (i) => (i < 0 ? label : `${label}: line ${lines[i] ?? '?'}`));
}

/** The local key file in `varDir`, created by `remediate dev` when no key is configured. */
export function localKeyFile(varDir: string): string {
  return path.join(varDir, 'keys');
}

/** The configured keys; none: `env` has no REMEDIATE_KEYS / REMEDIATE_KEY_FILE and `<varDir>/keys` does not exist. */
function keysFromEnv(env: NodeJS.ProcessEnv, varDir: string): { keys?: EncryptionKeys; problems: string[] } {
  const inline = blank(env.REMEDIATE_KEYS);
  const file = blank(env.REMEDIATE_KEY_FILE);
  const bilingual = (name: string, lines: string[]) => lines.map((l) => `${l} / 環境変数 ${name} が正しくありません`);
  if (inline !== undefined && file !== undefined)
    return {
      problems: [
        'REMEDIATE_KEYS and REMEDIATE_KEY_FILE are both set: set only one / REMEDIATE_KEYS と REMEDIATE_KEY_FILE の一方だけを設定してください',
      ],
    };
  if (inline !== undefined) {
    const entries = inline.split(',').map((e) => e.trim());
    const r = parseKeys(entries, 'REMEDIATE_KEYS', (i) => (i < 0 ? 'REMEDIATE_KEYS' : `REMEDIATE_KEYS entry ${i + 1}`));
    return { ...r, problems: bilingual('REMEDIATE_KEYS', r.problems) };
  }
  if (file !== undefined) {
    const label = `REMEDIATE_KEY_FILE=${file}`;
    const r = readKeyFile(path.resolve(file), label);
    return { ...r, problems: bilingual('REMEDIATE_KEY_FILE', r.problems) };
  }
  const local = localKeyFile(varDir);
  try {
    readFileSync(local);
  } catch {
    return { problems: [] };
  }
  const r = readKeyFile(local, `${local} (the local key file)`);
  return { ...r, problems: r.problems.map((l) => `${l} / 鍵ファイル ${local} が正しくありません`) };
}

/** The keys of `settings`, or a SettingsError saying how to configure one: nothing reaches Temporal in clear. */
export function requireKeys(settings: Pick<Settings, 'keys' | 'varDir'>): EncryptionKeys {
  if (settings.keys) return settings.keys;
  throw new SettingsError([
    `no encryption key: set REMEDIATE_KEYS (${KEYS_HINT}, the first one current) or REMEDIATE_KEY_FILE (one a line), ` +
      `or run \`npx remediate dev\` once, which creates ${localKeyFile(settings.varDir)} / ` +
      '暗号鍵がありません: REMEDIATE_KEYS か REMEDIATE_KEY_FILE を設定するか、`npx remediate dev` を一度実行してください',
  ]);
}

/** Reads the settings from `env` (default: this process's); throws SettingsError naming every bad variable. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, root = path.join(__dirname, '..')): Settings {
  const input = Object.fromEntries(
    [
      'REMEDIATE_VAR_DIR',
      'REMEDIATE_LANG',
      'REMEDIATE_LOG_LEVEL',
      'REMEDIATE_AS',
      'REMEDIATE_CODEC_PORT',
      'REMEDIATE_WEB_PORT',
      'REMEDIATE_WEB_URL',
    ].map((k) => [k, blank(env[k])]),
  );
  const r = schema.safeParse(input);
  const problems = r.success
    ? []
    : r.error.issues.map((i) => {
        const name = String(i.path[0]);
        return `${name}=${env[name] ?? ''}: ${i.message} / 環境変数 ${name} が正しくありません`;
      });
  const varDir = path.resolve(blank(env.REMEDIATE_VAR_DIR) ?? path.join(root, 'var'));
  const keys = keysFromEnv(env, varDir);
  problems.push(...keys.problems);
  if (!r.success || problems.length > 0) throw new SettingsError(problems);
  const s = r.data;
  return {
    varDir,
    lang: s.REMEDIATE_LANG ?? ((env.LANG ?? '').toLowerCase().startsWith('ja') ? 'ja' : 'en'),
    logLevel: s.REMEDIATE_LOG_LEVEL ?? 'WARN',
    ...(s.REMEDIATE_AS !== undefined ? { actor: s.REMEDIATE_AS } : {}),
    ...(keys.keys ? { keys: keys.keys } : {}),
    codecPort: s.REMEDIATE_CODEC_PORT === undefined ? DEFAULT_CODEC_PORT : s.REMEDIATE_CODEC_PORT,
    ...(s.REMEDIATE_WEB_URL !== undefined ? { webUrl: s.REMEDIATE_WEB_URL } : {}),
    webPort: s.REMEDIATE_WEB_PORT === undefined ? DEFAULT_WEB_PORT : s.REMEDIATE_WEB_PORT,
    env,
  };
}
