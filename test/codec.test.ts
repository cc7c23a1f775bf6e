/**
 * The payload codec and its keys, without a server: AES-256-GCM round trips, rotation, unknown key
 * ids and altered bytes refused with a message naming the key id (never content), and the key
 * settings (REMEDIATE_KEYS, REMEDIATE_KEY_FILE, the local key file) validated strictly.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { describe, expect, it } from 'vitest';
import { createLocalKeys, DecryptionError, EncryptionCodec, encryptedDataConverter } from '../src/client/codec';
import { loadSettings, requireKeys, SettingsError, type EncryptionKeys } from '../src/settings';

const key = () => randomBytes(32).toString('base64');
const keysOf = (value: string): EncryptionKeys => {
  const k = loadSettings({ REMEDIATE_KEYS: value }, '/nonexistent').keys;
  if (!k) throw new Error('no keys');
  return k;
};
const settingsLines = (env: NodeJS.ProcessEnv, root = '/nonexistent'): string[] => {
  try {
    loadSettings(env, root);
  } catch (e) {
    if (e instanceof SettingsError) return e.lines;
    throw e;
  }
  throw new Error('accepted');
};

const SECRET = 'secret-marker-佐藤-sato@example.jp';
const plain = (): Payload => defaultPayloadConverter.toPayload({ note: SECRET, n: 1 });
const str = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');

describe('the encryption codec', () => {
  const k2025 = key();
  const k2026 = key();

  it('round-trips a payload, metadata included, and leaves no plaintext in the encoded form', async () => {
    const codec = new EncryptionCodec(keysOf(`k2026:${k2026}`));
    const original = plain();
    const [encoded] = await codec.encode([original]);
    expect(encoded).toBeDefined();
    expect(Object.keys(encoded?.metadata ?? {}).sort()).toEqual(['encoding', 'encryption-key-id']);
    expect(str(encoded?.metadata?.encoding)).toBe('binary/encrypted');
    expect(str(encoded?.metadata?.['encryption-key-id'])).toBe('k2026');
    const bytes = Buffer.from(encoded?.data ?? new Uint8Array());
    expect(bytes.includes('secret-marker')).toBe(false);
    expect(bytes.includes('json/plain')).toBe(false);
    const [decoded] = await codec.decode([encoded as Payload]);
    expect(str(decoded?.metadata?.encoding)).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(decoded as Payload)).toEqual({ note: SECRET, n: 1 });
  });

  it('uses a fresh IV for every payload: the same value never encrypts to the same bytes', async () => {
    const codec = new EncryptionCodec(keysOf(`k2026:${k2026}`));
    const [a, b] = await codec.encode([plain(), plain()]);
    expect(
      Buffer.from(a?.data ?? [])
        .subarray(0, 12)
        .equals(Buffer.from(b?.data ?? []).subarray(0, 12)),
    ).toBe(false);
    expect(Buffer.from(a?.data ?? []).equals(Buffer.from(b?.data ?? []))).toBe(false);
  });

  it('rotates: what the old key encrypted decodes after a new current key is added in front', async () => {
    const old = new EncryptionCodec(keysOf(`k2025:${k2025}`));
    const [before] = await old.encode([plain()]);
    const rotated = new EncryptionCodec(keysOf(`k2026:${k2026},k2025:${k2025}`));
    expect(rotated.currentKeyId).toBe('k2026');
    const [after] = await rotated.encode([plain()]);
    expect(str(after?.metadata?.['encryption-key-id'])).toBe('k2026');
    const decoded = await rotated.decode([before as Payload, after as Payload]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      { note: SECRET, n: 1 },
      { note: SECRET, n: 1 },
    ]);
  });

  it('refuses a payload of an unknown key id, naming the id and the known ones', async () => {
    const [encoded] = await new EncryptionCodec(keysOf(`k2024:${key()}`)).encode([plain()]);
    const codec = new EncryptionCodec(keysOf(`k2026:${k2026},k2025:${k2025}`));
    const error = await codec.decode([encoded as Payload]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecryptionError);
    expect((error as DecryptionError).keyId).toBe('k2024');
    expect((error as Error).message).toMatch(/key id "k2024": no such key in REMEDIATE_KEYS \(known: k2026, k2025\)/);
  });

  it('an id that is a key of every object is an unknown id, not a crash', async () => {
    const [encoded] = await new EncryptionCodec(keysOf(`k2026:${k2026}`)).encode([plain()]);
    const codec = new EncryptionCodec(keysOf(`k2026:${k2026}`));
    for (const id of ['constructor', '__proto__', 'toString']) {
      const forged = { ...encoded, metadata: { ...encoded?.metadata, 'encryption-key-id': Buffer.from(id) } };
      await expect(codec.decode([forged])).rejects.toThrow(`key id "${id}": no such key`);
    }
  });

  it('detects tampering: a flipped bit, a truncated payload, or a key id pointing at another key', async () => {
    const codec = new EncryptionCodec(keysOf(`k2026:${k2026},k2025:${k2025}`));
    const [encoded] = await codec.encode([plain()]);
    const data = Buffer.from(encoded?.data ?? []);
    for (const i of [0, 12, 20, data.length - 1]) {
      const altered = Buffer.from(data);
      altered[i] = (altered[i] ?? 0) ^ 1;
      const error = await codec.decode([{ ...encoded, data: altered }]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DecryptionError);
      expect((error as Error).message).toMatch(/key id "k2026": authentication failed/);
      expect((error as Error).message).not.toContain('secret-marker');
    }
    await expect(codec.decode([{ ...encoded, data: data.subarray(0, 20) }])).rejects.toThrow(/too short/);
    const relabelled = { ...encoded, metadata: { ...encoded?.metadata, 'encryption-key-id': Buffer.from('k2025') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/key id "k2025": authentication failed/);
    const unlabelled = { ...encoded, metadata: { encoding: Buffer.from('binary/encrypted') } };
    await expect(codec.decode([unlabelled])).rejects.toThrow(/no encryption-key-id metadata/);
  });

  it('passes through payloads that were never encrypted (histories from before encryption)', async () => {
    const codec = new EncryptionCodec(keysOf(`k2026:${k2026}`));
    const original = plain();
    expect(await codec.decode([original])).toEqual([original]);
  });

  it('the data converter encodes failure messages and stack traces into the encrypted attributes', async () => {
    const dc = loadDataConverter(encryptedDataConverter(keysOf(`k2026:${k2026}`)));
    const failure = dc.failureConverter.errorToFailure(
      ApplicationFailure.nonRetryable(`refused: ${SECRET}`, 'Refused'),
      dc.payloadConverter,
    );
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(JSON.stringify(failure)).not.toContain('secret-marker');
    const [codec] = dc.payloadCodecs;
    const [encoded] = (await codec?.encode([failure.encodedAttributes as Payload])) ?? [];
    expect(Buffer.from(encoded?.data ?? []).includes('secret-marker')).toBe(false);
    const [decoded] = (await codec?.decode([encoded as Payload])) ?? [];
    const back = dc.failureConverter.failureToError({ ...failure, encodedAttributes: decoded }, dc.payloadConverter);
    expect(back.message).toBe(`refused: ${SECRET}`);
  });
});

describe('key settings', () => {
  it('REMEDIATE_KEYS: the first key is current, every key is known, the source is named', () => {
    const a = key();
    const b = key();
    const keys = keysOf(` k2026:${a} , k2025:${b.replace(/=$/, '')} `);
    expect(keys.current).toBe('k2026');
    expect([...keys.byId.keys()]).toEqual(['k2026', 'k2025']);
    expect(keys.byId.get('k2025')?.equals(Buffer.from(b, 'base64'))).toBe(true);
    expect(keys.source).toBe('REMEDIATE_KEYS');
  });

  it('refuses bad REMEDIATE_KEYS values with one line per entry naming the variable, never the key', () => {
    const short = randomBytes(16).toString('base64');
    const good = key();
    const lines = settingsLines({
      REMEDIATE_KEYS: `k2026:${short},nocolon,bad id:${good},k2025:${good},k2025:${key()},k2024:${good.slice(0, 40)}!!!!,k2023:${good}AAAA`,
    });
    expect(lines).toHaveLength(6);
    for (const l of lines) {
      expect(l).toMatch(/^REMEDIATE_KEYS entry \d: .* \/ 環境変数 REMEDIATE_KEYS が正しくありません$/);
      expect(l).not.toContain(good.slice(0, 20));
      expect(l).not.toContain(short.slice(0, 20));
    }
    expect(lines[0]).toMatch(/entry 1: key k2026 is not 32 bytes in standard base64/);
    expect(lines[1]).toMatch(/entry 2: not <id>:<key>/);
    expect(lines[2]).toMatch(/entry 3: the key id must be 1-64 characters/);
    expect(lines[3]).toMatch(/entry 5: key id k2025 is given twice/);
    expect(lines[4]).toMatch(/entry 6: key k2024 is not 32 bytes/);
    expect(lines[5]).toMatch(/entry 7: key k2023 is not 32 bytes/);
    expect(settingsLines({ REMEDIATE_KEYS: ',' })[0]).toMatch(/^REMEDIATE_KEYS entry 1: not <id>:<key>/);
  });

  it('REMEDIATE_KEY_FILE: one key a line, comments and blank lines skipped; bad lines and missing files named', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-keys-'));
    const file = path.join(dir, 'keys');
    const a = key();
    writeFileSync(file, `# rotated 2026-04\n\nk2026:${a}\r\nk2025:${key()}\n`);
    const keys = loadSettings({ REMEDIATE_KEY_FILE: file }, '/nonexistent').keys;
    expect(keys?.current).toBe('k2026');
    expect([...(keys?.byId.keys() ?? [])]).toEqual(['k2026', 'k2025']);
    expect(keys?.source).toBe(`REMEDIATE_KEY_FILE=${file}`);

    writeFileSync(file, `k2026:${a}\n# old\nk2025:short\n`);
    expect(settingsLines({ REMEDIATE_KEY_FILE: file })).toEqual([
      expect.stringMatching(
        new RegExp(`^REMEDIATE_KEY_FILE=${file}: line 3: key k2025 is not 32 bytes .* 環境変数 REMEDIATE_KEY_FILE`),
      ),
    ]);
    writeFileSync(file, '# nothing yet\n');
    expect(settingsLines({ REMEDIATE_KEY_FILE: file })[0]).toMatch(/^REMEDIATE_KEY_FILE=.*: no key/);
    expect(settingsLines({ REMEDIATE_KEY_FILE: path.join(dir, 'missing') })[0]).toMatch(
      /^REMEDIATE_KEY_FILE=.*missing: cannot read the key file \(ENOENT\)/,
    );
    expect(settingsLines({ REMEDIATE_KEY_FILE: file, REMEDIATE_KEYS: `k:${a}` })[0]).toMatch(
      /^REMEDIATE_KEYS and REMEDIATE_KEY_FILE are both set/,
    );
  });

  it('no key configured: none until the local key file exists, which then serves every process', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'remediate-root-'));
    const varDir = path.join(root, 'var');
    const none = loadSettings({ REMEDIATE_VAR_DIR: varDir }, root);
    expect(none.keys).toBeUndefined();
    expect(() => requireKeys(none)).toThrow(SettingsError);
    expect(() => requireKeys(none)).toThrow(/no encryption key: set REMEDIATE_KEYS .* or run `npx remediate dev` once/);

    mkdirSync(varDir);
    const created = createLocalKeys(varDir);
    expect(created.current).toMatch(/^local-\d{8}$/);
    expect(statSync(path.join(varDir, 'keys')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(varDir, 'keys'), 'utf8')).toMatch(/^# The key of the local Temporal database/);
    expect(() => createLocalKeys(varDir)).toThrow(/EEXIST/);
    // The CLI and the worker find the same file through their settings.
    const read = loadSettings({}, root).keys;
    expect(read?.current).toBe(created.current);
    expect(read?.byId.get(created.current)?.equals(created.byId.get(created.current) ?? Buffer.alloc(0))).toBe(true);

    writeFileSync(path.join(varDir, 'keys'), 'local:not-a-key\n');
    expect(settingsLines({}, root)[0]).toMatch(
      /keys \(the local key file\): line 1: key local is not 32 bytes .* 鍵ファイル .* が正しくありません/,
    );
    // An explicit key wins over the local file (which is then not read at all).
    expect(loadSettings({ REMEDIATE_KEYS: `k:${key()}` }, root).keys?.current).toBe('k');
  });

  it('REMEDIATE_CODEC_PORT: a port or off, default 8234', () => {
    expect(loadSettings({}, '/nonexistent').codecPort).toBe(8234);
    expect(loadSettings({ REMEDIATE_CODEC_PORT: '9000' }, '/nonexistent').codecPort).toBe(9000);
    expect(loadSettings({ REMEDIATE_CODEC_PORT: 'OFF' }, '/nonexistent').codecPort).toBeNull();
    expect(settingsLines({ REMEDIATE_CODEC_PORT: '70000' })[0]).toMatch(
      /^REMEDIATE_CODEC_PORT=70000: must be a port \(1-65535\) or off/,
    );
  });
});
