/**
 * Paths of the local Temporal tools, provisioned on demand by the scripts in scripts/ (which build
 * or download them into .tools/ the first time, then reuse them). Provisioning only: no business logic.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The nearest directory above `from` holding scripts/ensure-temporal-cli.sh. */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, 'scripts', 'ensure-temporal-cli.sh'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '../..');
  }
}

/** The repository root (this file is src/local/tools.ts, or dist/src/local/tools.js once built). */
export const repoRoot: string = findRepoRoot(__dirname);

function runEnsureScript(root: string, script: string): string {
  const stdout = execFileSync('bash', [resolve(root, 'scripts', script)], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const path = stdout.trim().split('\n').pop()?.trim();
  if (!path) throw new Error(`scripts/${script} printed no path`);
  return path;
}

/** The Temporal CLI (`TEMPORAL_CLI_PATH`, or .tools/temporal-cli-<version>/temporal, built with Go if missing). */
export function temporalCliPath(root: string = repoRoot): string {
  return runEnsureScript(root, 'ensure-temporal-cli.sh');
}

/** The time-skipping test server wrapper (`TEMPORAL_TEST_SERVER_PATH`, or fetched from Maven Central into .tools/ if missing). */
export function testServerPath(root: string = repoRoot): string {
  return runEnsureScript(root, 'ensure-test-server.sh');
}

/** The folder of `temporal-server` and `temporal-sql-tool` (.tools/temporal-server-<version>/, built with Go if missing). */
export function temporalServerDir(root: string = repoRoot): string {
  return runEnsureScript(root, 'ensure-temporal-server.sh');
}
