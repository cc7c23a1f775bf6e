/**
 * A production-shaped Temporal cluster, started from nothing for the suite and the bench: a PostgreSQL
 * 15 cluster of its own (a data directory in a temporary folder, run as the `postgres` user on a free
 * loopback port, never the machine's own cluster), both Temporal schemas set up and updated with
 * `temporal-sql-tool` from the server module's versioned folders, and the four services (frontend,
 * history, matching, worker) as separate processes on `deploy/temporal/config/cluster.yaml`. Everything
 * is stopped again by its own process ids. Provisioning only: no business logic.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  copyFileSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { findFreePort, isPortFree } from './dev-server';
import { repoRoot } from './tools';

const run = promisify(execFile);
const HOST = '127.0.0.1';
const PG_BIN = '/usr/lib/postgresql/15/bin';

export const CLUSTER_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type ClusterService = (typeof CLUSTER_SERVICES)[number];

export interface ClusterOptions {
  /** The directory of `temporal-server` and `temporal-sql-tool` (scripts/ensure-temporal-server.sh). */
  serverDir: string;
  /** The server module's schema folder (`.../go.temporal.io/server@v1.29.1/schema/postgresql/v12`). */
  schemaDir: string;
  /** Dynamic config values over deploy/temporal/dynamicconfig.yaml's (e.g. a low continue-as-new threshold in tests). */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Also append every process's output to files in this folder (default: the cluster's own folder). */
  logDir?: string;
}

export interface Cluster {
  /** `127.0.0.1:<port>` of the frontend. */
  address: string;
  /** The cluster's folder (PostgreSQL data, logs, dynamic config). */
  dir: string;
  /** SIGKILLs one service's process. */
  kill(service: ClusterService): Promise<void>;
  /** Starts a service again (after `kill`) on the same ports. */
  start(service: ClusterService): Promise<void>;
  /** Stops PostgreSQL (fast shutdown), and starts it again on the same data directory and port. */
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  /** Stops everything and removes the folder. */
  stop(): Promise<void>;
}

/** Runs `cmd` as the `postgres` user (PostgreSQL refuses to run as root). */
function asPostgres(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return process.getuid?.() === 0 ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
}

/** The dynamic config file of the cluster: the repository's, with `overrides` appended (later keys win). */
function dynamicConfigFile(dir: string, overrides: Record<string, string | number | boolean>): string {
  const file = path.join(dir, 'dynamicconfig.yaml');
  const base = readFileSync(path.join(repoRoot, 'deploy', 'temporal', 'dynamicconfig.yaml'), 'utf8');
  const keys = new Set(Object.keys(overrides));
  // Drop the overridden keys' blocks from the base, then append the overrides.
  const kept: string[] = [];
  let skipping = false;
  for (const line of base.split('\n')) {
    const key = /^([\w.]+):\s*$/.exec(line)?.[1];
    if (key !== undefined) skipping = keys.has(key);
    else if (!/^\s/.test(line)) skipping = false;
    if (!skipping) kept.push(line);
  }
  const extra = Object.entries(overrides).map(([k, v]) => `${k}:\n  - value: ${JSON.stringify(v)}`);
  writeFileSync(file, [...kept, ...extra, ''].join('\n'));
  return file;
}

/** A free port below 32768: the cluster_membership table keeps ports in a SMALLINT. */
async function membershipPort(taken: ReadonlySet<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!taken.has(port) && (await isPortFree(port))) return port;
  }
}

async function waitFrontend(address: string, ms: number, check: () => void = () => undefined): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    check();
    try {
      const c = await Connection.connect({ address, connectTimeout: '2s' });
      try {
        await c.workflowService.getSystemInfo({});
        // Answering is not enough: the history service must own its shards for namespace calls to work.
        await c.workflowService.listNamespaces({});
        return;
      } finally {
        await c.close();
      }
    } catch (err) {
      if (Date.now() > end) throw new Error(`the cluster's frontend at ${address} did not answer: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Starts PostgreSQL, the schemas and the four services; resolves once the frontend answers. */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-cluster-'));
  const logDir = opts.logDir ?? dir;
  mkdirSync(logDir, { recursive: true });
  const pgData = path.join(dir, 'pg');
  const pgSock = path.join(dir, 'sock');
  mkdirSync(pgData);
  mkdirSync(pgSock);
  if (process.getuid?.() === 0) {
    const { uid, gid } = await run('id', ['-u', 'postgres']).then(async (u) => ({
      uid: Number(u.stdout.trim()),
      gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
    }));
    for (const d of [dir, pgData, pgSock]) chownSync(d, uid, gid);
  }
  const children = new Map<ClusterService, ChildProcess>();
  const pgPort = await findFreePort();
  const pgLog = path.join(dir, 'postgres.log');
  const pgCtl = (args: string[]) => asPostgres(path.join(PG_BIN, 'pg_ctl'), ['-D', pgData, ...args]);
  const startPostgres = async () => {
    await pgCtl([
      '-l',
      pgLog,
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${pgPort} -k ${pgSock} -c listen_addresses=${HOST} -c max_connections=200 -c fsync=on`,
      'start',
    ]);
  };
  const stopPostgres = async () => {
    await pgCtl(['-m', 'fast', '-w', 'stop']);
  };

  const ports: Record<string, number> = {};
  const stopAll = async () => {
    for (const [, child] of children) child.kill('SIGKILL');
    children.clear();
    await stopPostgres().catch(() => undefined);
  };
  try {
    await asPostgres(path.join(PG_BIN, 'initdb'), ['-D', pgData, '-U', 'temporal', '--auth=trust', '-E', 'UTF8']);
    await startPostgres();

    const sql = (args: string[]) =>
      run(path.join(opts.serverDir, 'temporal-sql-tool'), [
        '--plugin',
        'postgres12',
        '--ep',
        HOST,
        '-p',
        String(pgPort),
        '-u',
        'temporal',
        ...args,
      ]);
    for (const [db, folder] of [
      ['temporal', 'temporal'],
      ['temporal_visibility', 'visibility'],
    ] as const) {
      await sql(['--db', db, 'create']);
      await sql(['--db', db, 'setup-schema', '-v', '0.0']);
      await sql(['--db', db, 'update-schema', '-d', path.join(opts.schemaDir, folder, 'versioned')]);
    }

    for (const s of CLUSTER_SERVICES) {
      ports[`${s.toUpperCase()}_GRPC_PORT`] = await findFreePort();
      ports[`${s.toUpperCase()}_MEMBERSHIP_PORT`] = await membershipPort(new Set(Object.values(ports)));
    }
    ports.FRONTEND_HTTP_PORT = await findFreePort();
  } catch (err) {
    await stopAll();
    throw err;
  }
  const configRoot = path.join(dir, 'temporal');
  mkdirSync(path.join(configRoot, 'config'), { recursive: true });
  copyFileSync(
    path.join(repoRoot, 'deploy', 'temporal', 'config', 'cluster.yaml'),
    path.join(configRoot, 'config', 'cluster.yaml'),
  );
  const env = {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    TEMPORAL_DB_HOST: HOST,
    TEMPORAL_DB_PORT: String(pgPort),
    TEMPORAL_DB_USER: 'temporal',
    TEMPORAL_DB_PASSWORD: '',
    TEMPORAL_BIND_IP: HOST,
    TEMPORAL_BROADCAST_IP: HOST,
    TEMPORAL_DYNAMIC_CONFIG_FILE: dynamicConfigFile(dir, opts.dynamicConfig ?? {}),
  };
  /** The last lines a service wrote, for errors. */
  const tail = (service: ClusterService): string => {
    try {
      return readFileSync(path.join(logDir, `temporal-${service}.log`), 'utf8')
        .split('\n')
        .slice(-6)
        .join('\n');
    } catch {
      return '';
    }
  };
  const start = (service: ClusterService): void => {
    const log = createWriteStream(path.join(logDir, `temporal-${service}.log`), { flags: 'a' });
    const child = spawn(
      path.join(opts.serverDir, 'temporal-server'),
      [
        '--root',
        configRoot,
        '--config',
        'config',
        '--env',
        'cluster',
        '--allow-no-auth',
        'start',
        '--service',
        service,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    children.set(service, child);
  };
  /** Fails when a service started from `services` has exited (it failed to start). */
  const assertRunning = (services: readonly ClusterService[]): void => {
    for (const s of services) {
      const child = children.get(s);
      if (child && child.exitCode !== null)
        throw new Error(`the cluster's ${s} service exited with ${child.exitCode} while starting:\n${tail(s)}`);
    }
  };
  /** Waits until the cluster metadata row exists: the first service to start writes it, and services that start together race to. */
  const waitClusterMetadata = async (ms: number): Promise<void> => {
    const end = Date.now() + ms;
    for (;;) {
      assertRunning(['history']);
      const rows = await run(path.join(PG_BIN, 'psql'), [
        '-h',
        HOST,
        '-p',
        String(pgPort),
        '-U',
        'temporal',
        '-d',
        'temporal',
        '-tAc',
        'SELECT count(*) FROM cluster_metadata_info',
      ]).catch(() => ({ stdout: '0' }));
      if (Number(rows.stdout.trim()) > 0) return;
      if (Date.now() > end)
        throw new Error(`the cluster's history service wrote no cluster metadata:\n${tail('history')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const address = `${HOST}:${ports.FRONTEND_GRPC_PORT}`;
  try {
    // History first, alone until it has initialised the cluster's metadata; then the other three.
    start('history');
    await waitClusterMetadata(60_000);
    for (const s of CLUSTER_SERVICES) if (s !== 'history') start(s);
    await waitFrontend(address, 120_000, () => assertRunning(CLUSTER_SERVICES));
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    address,
    dir,
    async kill(service) {
      const child = children.get(service);
      if (!child) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
      children.delete(service);
    },
    async start(service) {
      start(service);
      if (service === 'frontend') await waitFrontend(address, 120_000, () => assertRunning(['frontend']));
    },
    stopPostgres,
    startPostgres,
    async stop() {
      const exits = [...children.values()].map(
        (c) => new Promise<void>((resolve) => (c.exitCode !== null ? resolve() : c.once('exit', () => resolve()))),
      );
      for (const c of children.values()) c.kill('SIGTERM');
      const timer = setTimeout(() => {
        for (const c of children.values()) c.kill('SIGKILL');
      }, 10_000);
      await Promise.all(exits);
      clearTimeout(timer);
      children.clear();
      await stopPostgres().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The server module's PostgreSQL schema folder in the Go module cache, for `schemaDir`. */
export async function serverSchemaDir(version = '1.29.1'): Promise<string> {
  const cache = (await run('go', ['env', 'GOMODCACHE'])).stdout.trim();
  return path.join(cache, `go.temporal.io/server@v${version}`, 'schema', 'postgresql', 'v12');
}
