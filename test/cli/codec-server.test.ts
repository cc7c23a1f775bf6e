/**
 * `remediate codec-server`, the codec endpoint docker-compose runs for the Temporal UI: as its own
 * process with the configured keys, it decodes what a worker with the same keys encoded, answers a
 * browser only from the UI's origin, refuses bad options with exit 2, and stops cleanly on SIGTERM.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionCodec } from '../../src/client/codec';
import { findFreePort } from '../../src/local/dev-server';
import { TEST_KEYS, TEST_KEYS_ENV } from '../support/temporal';

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'remediate');
const UI = 'http://localhost:8233';
const varDir = mkdtempSync(path.join(os.tmpdir(), 'codec-server-'));
const env = { ...process.env, ...TEST_KEYS_ENV, REMEDIATE_VAR_DIR: varDir };

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

let child: ChildProcess;
let url = '';
let exited: Promise<number | null>;

beforeAll(async () => {
  const port = await findFreePort();
  child = spawn(bin, ['codec-server', '--port', String(port), '--cors-origin', UI], { cwd: root, env });
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  let stdout = '';
  url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /codec endpoint on (http:\/\/\S+)/.exec(stdout);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`codec-server exited with ${code}: ${stdout}`)));
  });
});

afterAll(() => {
  child.kill('SIGKILL');
  rmSync(varDir, { recursive: true, force: true });
});

describe('remediate codec-server', () => {
  it('decodes what the worker encoded, with the current key and an older one', async () => {
    const secret = defaultPayloadConverter.toPayload({ note: 'SECRET-CODEC vendor quote' });
    const [encoded] = await new EncryptionCodec(TEST_KEYS).encode([secret]);
    if (!encoded) throw new Error('nothing encoded');
    expect(Buffer.from(encoded.data ?? []).toString()).not.toContain('SECRET-CODEC');
    const res = await fetch(`${url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: [toJson(encoded)] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { payloads: Array<{ data: string }> };
    expect(Buffer.from(body.payloads[0]?.data ?? '', 'base64').toString()).toBe('{"note":"SECRET-CODEC vendor quote"}');
  });

  it('answers the UI origin with CORS headers and refuses any other origin', async () => {
    const preflight = await fetch(`${url}/decode`, { method: 'OPTIONS', headers: { origin: UI } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
    const other = await fetch(`${url}/decode`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '{"payloads":[]}',
    });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a bad port or origin with exit 2, naming the option, without a stack trace', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(bin, ['codec-server', ...args], { cwd: root, env }, (err, _stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }),
        );
      });
    const port = await run(['--port', '99999']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port: not a port (1-65535): 99999');
    const origin = await run(['--port', '8299', '--cors-origin', 'localhost:8233/x']);
    expect(origin.code).toBe(2);
    expect(origin.stderr).toContain('--cors-origin: not an origin');
    for (const r of [port, origin]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('stops on SIGTERM with exit 0', async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
