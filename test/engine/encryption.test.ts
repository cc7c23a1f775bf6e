/**
 * What the Temporal server may see (design section 9): a dev server with its own SQLite file, a worker
 * and a client with the payload codec; a plan whose every text carries a marker, a completion with
 * marker evidence, a re-plan with a marker reason, a refused command whose failure names a marker, and
 * a mail failure (quoting an address) that the history records. Every file of the database holds none
 * of the markers (as UTF-8 or UTF-16), nor does `temporal workflow show` without the codec, while the
 * client reads each one back, and the codec endpoint gives them to whoever holds the key.
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MailTransport } from '../../src/activities/mail';
import { EncryptionCodec } from '../../src/client/codec';
import { connectClient } from '../../src/client/connection';
import { applyPlan, measureState, programStates, readPlanFile, sendCommand } from '../../src/client/tracker';
import { addDays } from '../../src/domain/dates';
import { ProblemError } from '../../src/domain/problems';
import { startCodecServer, type CodecServer } from '../../src/local/codec-server';
import { findFreePort, startDevServer, type DevServer } from '../../src/local/dev-server';
import { loadSettings, type EncryptionKeys } from '../../src/settings';
import { createWorker } from '../../src/worker';
import { memoryLedger } from '../support/mail';
import { slotSoon } from '../support/slots';

const tag = randomBytes(4).toString('hex');
/** Every marker is unique to this run, so a hit can only come from this test's data. */
const M = {
  programTitle: `zq${tag}programtitle`,
  programTitleJa: `機密${tag}計画名`,
  directive: `zq${tag}directiveref`,
  name: `zq${tag}personname`,
  nameJa: `佐藤${tag}花子`,
  email: `zq${tag}mailbox@example.jp`,
  measureTitle: `zq${tag}measuretitle`,
  summary: `zq${tag}publicsummary`,
  notes: `zq${tag}internalnotes`,
  milestoneTitle: `zq${tag}milestonetitle`,
  evidence: `zq${tag}evidence`,
  reason: `zq${tag}replanreason`,
  refused: `zq${tag}nosuchmilestone`,
  relay: `zq${tag}relayrefusal`,
} as const;
const markers = Object.values(M);

/** Which markers occur in `bytes`, as UTF-8 or as UTF-16 (little and big endian). */
function markersIn(bytes: Buffer): string[] {
  return markers.filter(
    (m) =>
      bytes.includes(Buffer.from(m, 'utf8')) ||
      bytes.includes(Buffer.from(m, 'utf16le')) ||
      bytes.includes(Buffer.from(m, 'utf16le').swap16()),
  );
}

/** The payload data of the CLI's JSON output (base64 there), decoded: what a reader of the output sees. */
function payloadData(out: string): Buffer {
  return Buffer.concat(
    [...out.matchAll(/"data":\s*"([A-Za-z0-9+/=]*)"/g)].map((m) => Buffer.from(m[1] ?? '', 'base64')),
  );
}

/** Runs the Temporal CLI against `address`; never rejects. */
function temporal(address: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      inject('temporalCliPath'),
      [...args, '--address', address, '--namespace', 'default', '--disable-config-file', '--color', 'never'],
      { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}\n${stderr}` }),
    );
  });
}

describe('encryption: the server database holds no plan text, name, address, evidence or reason', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-encryption-'));
  const dbFile = path.join(dir, 'temporal.db');
  const program = `enc-${tag}`;
  const workflowId = `measure/${program}/auth`;
  const keys = loadSettings({
    REMEDIATE_KEYS: `enc-2026:${randomBytes(32).toString('base64')},enc-2025:${randomBytes(32).toString('base64')}`,
  }).keys as EncryptionKeys;
  const sent: string[] = [];
  /** The relay refuses the first message, quoting the address (as real relays do), then accepts. */
  const transport: MailTransport = {
    async send(msg) {
      if (sent.push(msg.subject) === 1)
        throw ApplicationFailure.nonRetryable(`550 5.1.1 <${M.email}>: mailbox unavailable (${M.relay})`, 'Relay');
    },
  };
  let server: DevServer;
  let codec: CodecServer;
  let native: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let client: Client;
  let connection: Connection;

  beforeAll(async () => {
    codec = await startCodecServer({ codec: new EncryptionCodec(keys), port: 0, allowedOrigins: [] });
    server = await startDevServer({
      cliPath: inject('temporalCliPath'),
      dbFile,
      uiPort: await findFreePort(),
      uiCodecEndpoint: codec.url,
    });
    native = await NativeConnection.connect({ address: server.address });
    worker = await createWorker({
      connection: native,
      namespace: 'default',
      varDir: dir,
      keys,
      mail: { transport, ledger: memoryLedger(), from: 'tracker@example.jp' },
    });
    running = worker.run();
    // The product's way in: the same connectClient as the CLI, with the keys.
    ({ client, connection } = await connectClient(
      { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' },
      keys,
    ));
  });

  let stopped = false;
  /** Worker first, then the server: a worker whose server went away would fail its run. */
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    worker?.shutdown();
    await running;
    await connection?.close();
    await native?.close();
    await server?.stop();
  };

  afterAll(async () => {
    await stopAll();
    await codec?.close();
  });

  it('runs a measure whose texts all carry markers, and the database files contain none of them', async () => {
    // A slot a few seconds ahead: the due date's reminder goes out (and is refused) during this test.
    const slot = slotSoon(15_000);
    const planFile = path.join(dir, 'plan.json');
    writeFileSync(
      planFile,
      JSON.stringify({
        program: {
          id: program,
          title: { ja: M.programTitleJa, en: M.programTitle },
          directive: { ref: M.directive, issuer: 'MIC', issuedOn: '2024-04-16' },
          timezone: slot.zone,
          calendar: 'daily',
          managers: ['suzuki'],
        },
        people: {
          suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
          sato: { name: `${M.name} ${M.nameJa}`, email: M.email, lang: 'en' },
        },
        policies: { standard: { notifyAt: slot.notifyAt, remindBefore: [], remindOnDue: true } },
        measures: [
          {
            id: 'auth',
            title: { ja: M.measureTitle, en: M.measureTitle },
            owner: 'sato',
            policy: 'standard',
            publicSummary: { ja: M.summary, en: M.summary },
            internalNotes: M.notes,
            milestones: [
              { id: 'head', title: { ja: M.milestoneTitle, en: M.milestoneTitle }, due: slot.today },
              { id: 'tail', title: { ja: '後半', en: 'Tail' }, due: addDays(slot.today, 30) },
            ],
          },
        ],
      }),
    );
    const applied = await applyPlan(client, readPlanFile(planFile), 'suzuki');
    expect(applied.started).toEqual(['auth']);

    await sendCommand(client, program, 'auth', 'complete', { actor: 'sato', milestone: 'tail', evidence: M.evidence });
    await sendCommand(client, program, 'auth', 'replan', {
      actor: 'sato',
      milestone: 'head',
      date: addDays(slot.today, 10),
      reason: M.reason,
    });
    // A refusal quoting the input: the failure crosses the server encrypted and is read back in clear.
    const refusal = await sendCommand(client, program, 'auth', 'complete', {
      actor: 'sato',
      milestone: M.refused,
      evidence: 'x',
    }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(ProblemError);
    expect((refusal as ProblemError).message).toContain(`unknown milestone: ${M.refused}`);

    // The reminder of the slot: the relay refuses it, quoting the address; the history keeps the failure.
    let state = await measureState(client, program, 'auth');
    for (let i = 0; i < 200 && !state.notifications.recent.some((n) => n.failed); i++) {
      await new Promise((r) => setTimeout(r, 500));
      state = await measureState(client, program, 'auth');
    }
    const failed = state.notifications.recent.find((n) => n.failed);
    expect(failed?.failed).toContain(M.relay);

    // The client reads every marker back: query (state) and visibility listing (memo).
    const read = JSON.stringify(state);
    for (const m of [M.programTitle, M.programTitleJa, M.name, M.nameJa, M.email, M.measureTitle, M.summary])
      expect(read).toContain(m);
    for (const m of [M.notes, M.milestoneTitle, M.evidence, M.reason, M.relay]) expect(read).toContain(m);
    let listed = await programStates(client, program);
    for (let i = 0; i < 40 && listed.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      listed = await programStates(client, program);
    }
    expect(JSON.stringify(listed)).toContain(M.measureTitle);

    // The history holds the relay's failure, its message and stack encoded.
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const activityFailure = history.events?.find((e) => e.activityTaskFailedEventAttributes)
      ?.activityTaskFailedEventAttributes?.failure;
    expect(activityFailure?.message).toBe('Encoded failure');
    expect(activityFailure?.stackTrace ?? '').toBe('');
    expect(Buffer.from(activityFailure?.encodedAttributes?.metadata?.encoding ?? []).toString()).toBe(
      'binary/encrypted',
    );

    const files = readdirSync(dir).filter((f) => f.startsWith('temporal.db'));
    expect(files).toContain('temporal.db');
    const all = Buffer.concat(files.map((f) => readFileSync(path.join(dir, f))));
    // The grep can see: ids are in clear (search attributes, workflow ids) and payloads are marked encrypted.
    expect(all.includes(workflowId)).toBe(true);
    expect(all.includes('binary/encrypted')).toBe(true);
    for (const f of files) expect(markersIn(readFileSync(path.join(dir, f))), f).toEqual([]);

    // The Temporal CLI without the key shows no marker; through the codec endpoint it shows them.
    const shown = await temporal(server.address, ['workflow', 'show', '--workflow-id', workflowId]);
    const shownJson = await temporal(server.address, ['workflow', 'show', '--workflow-id', workflowId, '-o', 'json']);
    const described = await temporal(server.address, ['workflow', 'describe', '--workflow-id', workflowId]);
    for (const r of [shown, shownJson, described]) {
      expect(r.code, r.out).toBe(0);
      expect(markersIn(Buffer.from(r.out))).toEqual([]);
      expect(markersIn(payloadData(r.out))).toEqual([]);
    }
    expect(payloadData(shownJson.out).length).toBeGreaterThan(0);
    const decoded = await temporal(server.address, [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '-o',
      'json',
      '--codec-endpoint',
      codec.url,
    ]);
    expect(decoded.code, decoded.out).toBe(0);
    expect(markersIn(payloadData(decoded.out))).toEqual(
      expect.arrayContaining([M.measureTitle, M.notes, M.email, M.evidence, M.reason, M.relay]),
    );
  }, 240_000);

  it('the UI is configured with the codec endpoint', async () => {
    const settings = (await (await fetch(`${server.uiAddress ?? ''}/api/v1/settings`)).json()) as {
      Codec?: { Endpoint?: string };
    };
    expect(settings.Codec?.Endpoint).toBe(codec.url);
  });

  it('the codec endpoint decodes and encodes per the remote codec protocol, and refuses what it should', async () => {
    const c = new EncryptionCodec(keys);
    const [encoded] = await c.encode([defaultPayloadConverter.toPayload({ secret: M.notes })]);
    const json = (p: typeof encoded) => ({
      metadata: Object.fromEntries(
        Object.entries(p?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
      ),
      data: Buffer.from(p?.data ?? []).toString('base64'),
    });
    const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${codec.url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    const res = await post('/decode', { payloads: [json(encoded)] });
    expect(res.status).toBe(200);
    const { payloads } = (await res.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(Buffer.from(payloads[0]?.metadata.encoding ?? '', 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payloads[0]?.data ?? '', 'base64').toString())).toEqual({ secret: M.notes });

    const enc = await post('/encode', { payloads });
    expect(enc.status).toBe(200);
    const reencoded = ((await enc.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> })
      .payloads[0];
    expect(Buffer.from(reencoded?.metadata['encryption-key-id'] ?? '', 'base64').toString()).toBe('enc-2026');
    expect(Buffer.from(reencoded?.data ?? '', 'base64').includes(M.notes)).toBe(false);
    const back = await post('/decode', { payloads: [reencoded] });
    expect(((await back.json()) as { payloads: Array<{ data: string }> }).payloads[0]?.data).toBe(payloads[0]?.data);

    const [foreign] = await new EncryptionCodec(
      loadSettings({ REMEDIATE_KEYS: `enc-2019:${randomBytes(32).toString('base64')}` }).keys as EncryptionKeys,
    ).encode([defaultPayloadConverter.toPayload(M.notes)]);
    const unknown = await post('/decode', { payloads: [json(foreign)] });
    expect(unknown.status).toBe(422);
    const error = ((await unknown.json()) as { error: string }).error;
    expect(error).toContain('"enc-2019"');
    expect(error).not.toContain(M.notes);

    expect((await post('/decode', 'not json')).status).toBe(400);
    expect((await post('/decode', { payloads: [{ data: '%%%' }] })).status).toBe(400);
    expect((await post('/decode', { payloads: 'x' })).status).toBe(400);
    // Protobuf JSON leaves out an empty list, as the Temporal CLI does.
    expect(await (await post('/decode', {})).json()).toEqual({ payloads: [] });
    expect((await fetch(`${codec.url}/decode`)).status).toBe(405);
    expect((await post('/other', { payloads: [] })).status).toBe(404);
    // A page from another origin gets nothing.
    expect((await post('/decode', { payloads: [json(encoded)] }, { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('answers the UI origin it is configured for, with CORS', async () => {
    const ui = await startCodecServer({
      codec: new EncryptionCodec(keys),
      port: 0,
      allowedOrigins: ['http://127.0.0.1:8233'],
    });
    try {
      const pre = await fetch(`${ui.url}/decode`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://127.0.0.1:8233',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace',
        },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
      expect(pre.headers.get('access-control-allow-headers')).toContain('x-namespace');
      const res = await fetch(`${ui.url}/decode`, {
        method: 'POST',
        headers: { origin: 'http://127.0.0.1:8233', 'content-type': 'application/json' },
        body: JSON.stringify({ payloads: [] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
      expect(await res.json()).toEqual({ payloads: [] });
    } finally {
      await ui.close();
    }
  });

  it('after the server stops, its checkpointed database still holds no marker', async () => {
    await stopAll();
    for (const f of readdirSync(dir).filter((n) => n.startsWith('temporal.db')))
      expect(markersIn(readFileSync(path.join(dir, f))), f).toEqual([]);
  });
});
