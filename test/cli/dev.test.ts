/**
 * `remediate dev`, the main job, as a user runs it: starts the local server with SQLite under the var
 * folder, runs the worker, applies the example plan and prints the status; Ctrl-C (SIGINT) stops it
 * cleanly; a second start keeps all state. With no key configured, the first start creates the local
 * key file and the database holds the plan encrypted; the second start reuses the key.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/local/dev-server';

const root = path.join(__dirname, '..', '..');
/** This process's environment without settings that would point `dev` elsewhere. */
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) =>
      !k.startsWith('TEMPORAL_') &&
      ![
        'REMEDIATE_AS',
        'SMTP_URL',
        'REMEDIATE_VAR_DIR',
        'REMEDIATE_KEYS',
        'REMEDIATE_KEY_FILE',
        'REMEDIATE_CODEC_PORT',
      ].includes(k),
  ),
);

/** Runs `remediate dev` until it prints its closing hint, then sends SIGINT; resolves with output and exit code. */
function devSession(
  varDir: string,
  port: number,
  uiPort: number,
  codecPort: number,
  extraEnv: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.join(root, 'bin', 'remediate'),
      ['dev', '--port', String(port), '--ui-port', String(uiPort)],
      {
        cwd: root,
        env: { ...cleanEnv, REMEDIATE_VAR_DIR: varDir, REMEDIATE_CODEC_PORT: String(codecPort), ...extraEnv },
      },
    );
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`remediate dev did not get ready:\n${out}`));
    }, 150_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ctrl-C stops') && !child.killed) child.kill('SIGINT');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('remediate dev', () => {
  it('starts everything, applies the example, stops on Ctrl-C, and keeps state for the next start', async () => {
    const varDir = mkdtempSync(path.join(os.tmpdir(), 'remediate-dev-'));
    const port = await findFreePort();
    const uiPort = await findFreePort();
    const codecPort = await findFreePort();

    const first = await devSession(varDir, port, uiPort, codecPort);
    expect(first.code).toBe(0);
    expect(first.out).toContain('plan ly-2024 applied as suzuki: 8 started, 0 amended, 0 unchanged');
    expect(first.out).toContain('program ly-2024: 8 measures');
    // What happens next, so an empty outbox is not a mystery: the next slots, from the same planner as status.
    expect(first.out).toContain('next notifications (nothing reaches the outbox before the first)');
    expect(first.out).toMatch(/^ {2}\d{4}-\d\d-\d\d \d\d:\d\d\S* {2}\d+ notification\(s\)$/m);
    expect(first.out).toMatch(/^ {4}(reminder|escalation level \d+|due) [\w-]+\/[\w-]+ -> \w/m);
    expect(first.out).toMatch(/^ {4}next: \d{4}-\d\d-\d\d \d\d:\d\d/m);
    expect(first.out).toMatch(/auth-separation\s+Separate the authentication infrastructure/);
    expect(first.out).toContain(`http://127.0.0.1:${uiPort}`);
    expect(first.out).toContain(path.join(varDir, 'outbox'));
    expect(first.out).toContain('stopped.');
    expect(existsSync(path.join(varDir, 'temporal.db'))).toBe(true);
    expect(first.out).toMatch(/created the encryption key local-\d{8} in .*keys \(mode 0600\)/);
    expect(first.out).toContain(`codec:        http://127.0.0.1:${codecPort}`);
    expect(statSync(path.join(varDir, 'keys')).mode & 0o777).toBe(0o600);
    const key = readFileSync(path.join(varDir, 'keys'), 'utf8');
    // The main job is encrypted by default: the plan's titles are not in the database in clear.
    for (const f of readdirSync(varDir).filter((n) => n.startsWith('temporal.db')))
      expect(readFileSync(path.join(varDir, f)).includes('Separate the authentication infrastructure')).toBe(false);

    // REMEDIATE_LANG is one of the settings read once at start-up: the status table is in Japanese.
    const second = await devSession(varDir, port, uiPort, codecPort, { REMEDIATE_LANG: 'ja' });
    expect(second.code).toBe(0);
    expect(second.out).toContain('plan ly-2024 applied as suzuki: 0 started, 0 amended, 8 unchanged');
    expect(second.out).toContain('program ly-2024: 8 measures');
    expect(second.out).toMatch(/auth-separation\s+認証基盤の分離/);
    expect(second.out).not.toContain('created the encryption key');
    expect(readFileSync(path.join(varDir, 'keys'), 'utf8')).toBe(key);
  });
});
