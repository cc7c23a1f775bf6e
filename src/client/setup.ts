/**
 * What the configured Temporal must have before a worker or the CLI uses it: the namespace and the
 * custom search attributes the workflows write. `prepareTemporal` makes them where the server allows
 * it (`remediate setup`); `requireSetUp` checks, at start-up, with one call, so a missing attribute is
 * a clear message naming `remediate setup` rather than a workflow task failing in a loop.
 */
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../workflows/search-attributes';

const { IndexedValueType } = temporal.api.enums.v1;
type IndexedValueType = temporal.api.enums.v1.IndexedValueType;

/** gRPC status codes the set-up tells apart. */
const GRPC = { notFound: 5, alreadyExists: 6, permissionDenied: 7, unimplemented: 12 } as const;

/** Default retention of closed workflows in a namespace `remediate setup` creates (an auditor's year is longer: see the README). */
export const DEFAULT_RETENTION_DAYS = 90;

/** The server type of each custom search attribute. */
const WANTED: ReadonlyArray<{ name: string; type: IndexedValueType; label: string }> =
  SEARCH_ATTRIBUTE_REGISTRATIONS.map((r) => ({
    name: r.name,
    type:
      r.cliType === 'Keyword'
        ? IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
        : IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    label: r.cliType,
  }));

/** The services both connection kinds (a client's Connection and a worker's NativeConnection) expose. */
type AnyConnection = Pick<Connection, 'workflowService' | 'operatorService'>;

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The server is missing something the product needs; the CLI exits 3 with this message. */
export class TemporalNotSetUp extends Error {
  constructor(
    readonly namespace: string,
    readonly missing: readonly string[],
    detail?: string,
  ) {
    super(
      `Temporal namespace ${namespace} is not set up for remediation-tracker: missing ${missing.join(', ')}${detail ? ` (${detail})` : ''}.\n` +
        `Run \`npx remediate setup\` against the same TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (on Temporal Cloud, add them in the cloud's console or with tcld; see the README).\n` +
        `Temporal の名前空間 ${namespace} は未設定です（不足: ${missing.join(', ')}）。同じ接続設定で \`npx remediate setup\` を実行してください。`,
    );
    this.name = 'TemporalNotSetUp';
  }
}

/** What `prepareTemporal` found and did. */
export interface SetupReport {
  namespace: { name: string; created: boolean; retentionDays?: number };
  searchAttributes: Array<{ name: string; type: string; created: boolean }>;
}

/** The custom search attributes of `namespace` the workflows need and the server lacks (or has with another type). */
export async function missingSearchAttributes(connection: AnyConnection, namespace: string): Promise<string[]> {
  const listed = await connection.operatorService.listSearchAttributes({ namespace });
  const have = listed.customAttributes ?? {};
  return WANTED.filter((w) => have[w.name] !== w.type).map((w) =>
    have[w.name] === undefined ? w.name : `${w.name} (registered with another type, wanted ${w.label})`,
  );
}

/**
 * Throws TemporalNotSetUp when `namespace` does not exist or lacks a search attribute; one or two calls.
 * Other errors (the server not answering) are the caller's to map.
 */
export async function requireSetUp(connection: AnyConnection, namespace: string): Promise<void> {
  let missing: string[];
  try {
    missing = await missingSearchAttributes(connection, namespace);
  } catch (err) {
    if (grpcCode(err) === GRPC.notFound) throw new TemporalNotSetUp(namespace, [`the namespace ${namespace}`]);
    throw err;
  }
  if (missing.length > 0) throw new TemporalNotSetUp(namespace, missing);
}

/**
 * Makes `namespace` (with `retentionDays` when it is created) and every search attribute the workflows
 * write, where they are missing; idempotent. A server that refuses (Temporal Cloud: namespaces and
 * search attributes are made in its console or with `tcld`) gives TemporalNotSetUp naming what is missing.
 */
export async function prepareTemporal(
  connection: AnyConnection,
  namespace: string,
  opts: { retentionDays?: number; waitMs?: number } = {},
): Promise<SetupReport> {
  const { workflowService, operatorService } = connection;
  const retentionDays = opts.retentionDays ?? DEFAULT_RETENTION_DAYS;
  const report: SetupReport = { namespace: { name: namespace, created: false }, searchAttributes: [] };
  try {
    await workflowService.describeNamespace({ namespace });
  } catch (err) {
    if (grpcCode(err) !== GRPC.notFound) throw err;
    try {
      await workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
      });
      report.namespace = { name: namespace, created: true, retentionDays };
    } catch (e) {
      const code = grpcCode(e);
      if (code === GRPC.alreadyExists) report.namespace = { name: namespace, created: false };
      else if (code === GRPC.permissionDenied || code === GRPC.unimplemented)
        throw new TemporalNotSetUp(
          namespace,
          [`the namespace ${namespace}`],
          'this server does not let clients create namespaces',
        );
      else throw e;
    }
  }
  // A namespace just created takes a few seconds to reach every service's cache.
  const until = Date.now() + (opts.waitMs ?? 60_000);
  for (;;) {
    try {
      const missing = new Set((await missingSearchAttributes(connection, namespace)).map((m) => m.split(' ')[0] ?? m));
      const wrongType = [...missing].filter((name) => !WANTED.some((w) => w.name === name));
      if (wrongType.length > 0) throw new TemporalNotSetUp(namespace, wrongType);
      const add = WANTED.filter((w) => missing.has(w.name));
      if (add.length > 0)
        await operatorService.addSearchAttributes({
          namespace,
          searchAttributes: Object.fromEntries(add.map((w) => [w.name, w.type])),
        });
      report.searchAttributes = WANTED.map((w) => ({ name: w.name, type: w.label, created: missing.has(w.name) }));
      break;
    } catch (err) {
      const code = grpcCode(err);
      if (code === GRPC.permissionDenied || code === GRPC.unimplemented)
        throw new TemporalNotSetUp(
          namespace,
          await missingSearchAttributes(connection, namespace).catch(() => WANTED.map((w) => w.name)),
          'this server does not let clients add search attributes',
        );
      if (code !== GRPC.notFound || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  // What was just added is listed once the server has applied it.
  for (;;) {
    const missing = await missingSearchAttributes(connection, namespace);
    if (missing.length === 0) return report;
    if (Date.now() > until) throw new TemporalNotSetUp(namespace, missing, 'still missing after adding them');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The lines `remediate setup` prints. */
export function renderSetup(r: SetupReport, address: string): string[] {
  const lines = [
    r.namespace.created
      ? `namespace ${r.namespace.name} created on ${address} (retention ${r.namespace.retentionDays} days) / 名前空間を作成しました`
      : `namespace ${r.namespace.name} exists on ${address} / 名前空間は作成済みです`,
  ];
  for (const sa of r.searchAttributes)
    lines.push(
      sa.created
        ? `  search attribute ${sa.name} (${sa.type}) added / 検索属性を追加しました`
        : `  search attribute ${sa.name} (${sa.type}) present / 検索属性は登録済みです`,
    );
  const changed = r.namespace.created || r.searchAttributes.some((s) => s.created);
  lines.push(changed ? 'ready / 準備完了' : 'nothing to do: already set up / 変更なし（設定済み）');
  return lines;
}
