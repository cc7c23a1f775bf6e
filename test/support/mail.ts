/** Test doubles for mail: an in-memory sent ledger. */
import type { SentLedger } from '../../src/activities/mail';

/** A ledger that remembers keys for the life of the test. */
export function memoryLedger(): SentLedger {
  const keys = new Set<string>();
  return {
    has: async (key) => keys.has(key),
    add: async (key) => void keys.add(key),
  };
}
