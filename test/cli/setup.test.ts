/**
 * `remediate setup` on a namespace the run's dev server does not have: before it, the worker and the
 * CLI stop with a clear message naming `remediate setup` (exit 3); it creates the namespace and the
 * search attributes and says so; a second run has nothing to do; then the CLI works there.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../src/workflows/search-attributes';
import { TEST_KEYS_ENV } from '../support/temporal';

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'remediate');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      {
        cwd: root,
        timeout: 90_000,
        env: {
          ...process.env,
          ...TEST_KEYS_ENV,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          REMEDIATE_AS: '',
          ...env,
        },
      },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

describe(`remediate setup on the ${inject('temporalServerKind')}`, () => {
  const namespace = `setup-${randomBytes(3).toString('hex')}`;
  const env = { TEMPORAL_NAMESPACE: namespace };

  it('before it, the CLI and the worker exit 3 naming `remediate setup`, changing nothing', async () => {
    const status = await run(['status'], env);
    expect(status.code).toBe(3);
    expect(status.stderr).toContain('remediate setup');
    expect(status.stderr).toContain(namespace);
    expect(status.stderr).toMatch(/未設定/);
    expect(status.stderr).not.toMatch(/\n\s+at /);
    const worker = await run(['worker'], env);
    expect(worker.code).toBe(3);
    expect(worker.stderr).toContain('remediate setup');
  });

  it('creates the namespace and every search attribute, then has nothing to do', async () => {
    const first = await run(['setup', '--json'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as {
      namespace: { name: string; created: boolean; retentionDays: number };
      searchAttributes: Array<{ name: string; created: boolean }>;
    };
    expect(report.namespace).toEqual({ name: namespace, created: true, retentionDays: 90 });
    expect(report.searchAttributes.map((s) => s.name).sort()).toEqual(
      SEARCH_ATTRIBUTE_REGISTRATIONS.map((r) => r.name).sort(),
    );
    expect(report.searchAttributes.every((s) => s.created)).toBe(true);

    const again = await run(['setup'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`namespace ${namespace} exists`);
    expect(again.stdout).toContain('nothing to do');
    expect(again.stdout).not.toContain(' added');

    // Set up, the namespace answers: no program runs there yet.
    const status = await run(['status', '--json'], env);
    expect(status.stderr).not.toContain('remediate setup');
    expect(status.code).not.toBe(3);
  });

  it('refuses a bad retention with exit 2, naming the option', async () => {
    const r = await run(['setup', '--retention-days', 'forever'], { TEMPORAL_NAMESPACE: `${namespace}-x` });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--retention-days');
    // Nothing was created: the CLI still finds that namespace missing.
    const status = await run(['status'], { TEMPORAL_NAMESPACE: `${namespace}-x` });
    expect(status.code).toBe(3);
  });

  it('prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    const r = await run(['--version'], {});
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
    // `--json` anywhere on the line means stdout is JSON, for --version too.
    const j = await run(['plan', 'validate', '--version', '--json'], {});
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ version });
  });
});
