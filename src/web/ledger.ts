/**
 * The ids the web has spent: sign-in links consumed and sessions signed out, each kept until its link
 * would have expired anyway, in one small JSON file (`<varDir>/web/spent-links.json`), so a sign-in
 * link works once even across restarts. Written to a temporary file and renamed; one web process owns
 * the file (a second one beside it would need a shared store).
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';

/** A spent id, until its expiry (epoch ms). */
interface Spent {
  id: string;
  exp: number;
}

/** Spent link ids: `spend` is true only the first time for an id. */
export interface SpentLedger {
  has(id: string, now: number): boolean;
  /** Records `id` as spent; false when it already was (the caller refuses the link). */
  spend(id: string, exp: number, now: number): Promise<boolean>;
}

/** The most ids kept: beyond, the oldest expiring are dropped (they are refused for their expiry soon). */
const MAX_ENTRIES = 100_000;

/** The ledger in `<varDir>/web/spent-links.json`. */
export function fileSpentLedger(varDir: string): SpentLedger {
  const dir = path.join(varDir, 'web');
  const file = path.join(dir, 'spent-links.json');
  const entries = new Map<string, number>();
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { spent?: unknown };
    if (Array.isArray(parsed.spent))
      for (const e of parsed.spent as Spent[])
        if (typeof e?.id === 'string' && Number.isSafeInteger(e.exp)) entries.set(e.id, e.exp);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  // Writes one after the other: the file always holds a whole, newest list.
  let writing: Promise<void> = Promise.resolve();
  const prune = (now: number) => {
    for (const [id, exp] of entries) if (exp <= now) entries.delete(id);
    if (entries.size > MAX_ENTRIES)
      [...entries]
        .sort((a, b) => a[1] - b[1])
        .slice(0, entries.size - MAX_ENTRIES)
        .forEach(([id]) => entries.delete(id));
  };
  const save = async () => {
    const text = `${JSON.stringify({ spent: [...entries].map(([id, exp]) => ({ id, exp })) })}\n`;
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, text, { mode: 0o600 });
    await fs.rename(tmp, file);
  };
  return {
    has: (id, now) => {
      const exp = entries.get(id);
      return exp !== undefined && exp > now;
    },
    async spend(id, exp, now) {
      prune(now);
      if (entries.has(id)) return false;
      entries.set(id, exp);
      const done = writing.then(save);
      writing = done.catch(() => undefined);
      await done;
      return true;
    },
  };
}
