/**
 * Encryption of everything the Temporal server stores: a payload codec doing AES-256-GCM with a
 * random 12-byte IV per payload over the whole original Payload (proto-encoded, metadata included,
 * as in samples-typescript `encryption`), and the data converter every client and worker uses.
 *
 * An encrypted payload has metadata `encoding: binary/encrypted` and `encryption-key-id: <id>`, and
 * data `iv (12) | ciphertext | tag (16)`. The current key encrypts; any known key decrypts, so keys
 * rotate by adding a new current key in front of the old ones. Payloads without the encrypted
 * encoding (histories written before encryption was turned on) pass through unchanged.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { localKeyFile, readKeyFile, SettingsError, type EncryptionKeys } from '../settings';

/** The `encoding` metadata of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata key naming the key a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload that cannot be decrypted: unknown key id, altered bytes, missing fields. Names the key id, never content. */
export class DecryptionError extends Error {
  constructor(
    readonly keyId: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'DecryptionError';
  }
}

const text = (bytes: Uint8Array | null | undefined): string | undefined =>
  bytes ? Buffer.from(bytes).toString('utf8') : undefined;

/** AES-256-GCM over whole payloads, with the key id in the metadata. */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: EncryptionKeys) {
    if (!keys.byId.has(keys.current)) throw new Error(`the current key ${keys.current} is not among the keys`);
  }

  /** Id of the key new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.keys.current;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const id = this.keys.current;
    const key = this.keys.byId.get(id);
    if (!key) throw new Error(`the current key ${id} is not among the keys`);
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(id) },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
      const id = text(payload.metadata?.[KEY_ID_METADATA]);
      if (id === undefined || id === '')
        throw new DecryptionError(undefined, `cannot decrypt a payload: it has no ${KEY_ID_METADATA} metadata`);
      // An own-key lookup: the id comes from the server's bytes.
      const key = this.keys.byId.get(id);
      if (!key)
        throw new DecryptionError(
          id,
          `cannot decrypt a payload encrypted with key id ${JSON.stringify(id)}: no such key in ${this.keys.source} ` +
            `(known: ${[...this.keys.byId.keys()].join(', ')}); add the key that had this id to decrypt it`,
        );
      const data = payload.data ?? new Uint8Array();
      if (data.length < IV_BYTES + TAG_BYTES)
        throw new DecryptionError(
          id,
          `cannot decrypt a payload encrypted with key id ${JSON.stringify(id)}: too short`,
        );
      let plain: Buffer;
      try {
        const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new DecryptionError(
          id,
          `cannot decrypt a payload encrypted with key id ${JSON.stringify(id)}: authentication failed ` +
            `(the payload was altered, or the key configured under this id is not the one it was encrypted with)`,
        );
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/**
 * The failure converter module, by path, as the SDK wants it (it also bundles it into the workflow
 * sandbox): the TypeScript source in a checkout (run through tsx), or compiled JavaScript.
 */
export const failureConverterPath =
  [path.join(__dirname, 'failure-converter.ts'), path.join(__dirname, 'failure-converter.js')].find((f) =>
    existsSync(f),
  ) ?? path.join(__dirname, 'failure-converter');

/** The data converter of every client and worker: this codec, and failures with encoded messages and stacks. */
export function encryptedDataConverter(keys: EncryptionKeys): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)], failureConverterPath };
}

/**
 * The local default: creates `<varDir>/keys` (mode 0600) with one new random key and returns it. Refuses
 * to overwrite an existing file, whose key may be the only way to read the dev server's database.
 */
export function createLocalKeys(varDir: string, now: Date = new Date()): EncryptionKeys {
  const file = localKeyFile(varDir);
  const id = `local-${now.toISOString().slice(0, 10).replace(/-/g, '')}`;
  writeFileSync(
    file,
    '# The key of the local Temporal database (var/temporal.db), created by `remediate dev`.\n' +
      '# Losing it loses every workflow in that database. Add keys above this one to rotate (the first is current).\n' +
      `${id}:${randomBytes(32).toString('base64')}\n`,
    { mode: 0o600, flag: 'wx' },
  );
  const r = readKeyFile(file, `${file} (the local key file)`);
  if (!r.keys) throw new SettingsError(r.problems);
  return r.keys;
}
