/**
 * The 09:00 burst (issue 7 §4): on the fiscal year end a thousand milestones fall due on one date. On
 * the dev server, with the real worker (createWorker, pooled SMTP) and a real SMTP server on loopback:
 * 1,000 measures whose milestones share one slot; every reminder is accepted within 60 s of the slot,
 * once. The harness (plan, receiver, lag) is bench/burst.ts, shared with `npm run bench -- --engine`,
 * which reports the median lag (target: under 10 s) with the other engine figures: on two cores shared
 * by the server, the worker and the relay, the median of the same code varies by a few seconds from
 * run to run, around the target, so it is a figure of the bench and not an assertion here (the test
 * prints it).
 *
 * It is the load tier (vitest.load.config.mts): scripts/test.sh runs it after the main suite, alone on
 * the machine, on an in-memory dev server of its own (as `remediate dev` configures one). Inside the
 * main run, with other test files' servers and workers on the same two cores, its median lag was three
 * times as long: that measured the machine, not the product.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fileLedger, smtpTransport, type MailTransport } from '../../src/activities/mail';
import { startDevServer, type DevServer } from '../../src/local/dev-server';
import { createWorker } from '../../src/worker';
import { runBurst, startSmtpReceiver, type SmtpReceiver } from '../../bench/burst';
import { testDataConverter, TEST_KEYS } from '../support/temporal';

const MEASURES = 1000;

describe('the 09:00 burst on the dev server', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-burst-'));
  let own: DevServer | undefined;
  const namespace = 'default';
  let connection: Connection;
  let client: Client;
  let native: NativeConnection;
  let transport: MailTransport;
  let worker: Worker;
  let running: Promise<void>;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    own = await startDevServer({ cliPath: inject('temporalCliPath'), headless: true });
    const address = own.address;
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace, dataConverter: testDataConverter });
    smtp = await startSmtpReceiver();
    native = await NativeConnection.connect({ address });
    transport = smtpTransport(smtp.url);
    worker = await createWorker({
      connection: native,
      namespace,
      varDir: dir,
      keys: TEST_KEYS,
      mail: { transport, ledger: fileLedger(path.join(dir, 'sent-ledger')), from: 'tracker@example.jp' },
    });
    running = worker.run();
  }, 180_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await transport?.close?.();
    await native?.close();
    await connection?.close();
    await smtp?.close();
    await own?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it(`accepts every one of ${MEASURES} reminders of one slot within 60 s, each once`, async () => {
    const r = await runBurst({
      client,
      smtp,
      measures: MEASURES,
      // Room for the apply and every measure's first workflow task before the slot.
      aheadMs: 120_000,
      waitMs: 90_000,
      log: (line) => console.log(line),
    });
    console.log(`burst: ${JSON.stringify(r)}`);
    // Every measure was waiting on its timer before the slot: the lag is the burst's alone.
    expect(r.settledSecondsBeforeSlot).toBeGreaterThan(0);
    expect(r.received).toBe(MEASURES);
    // One reminder per measure, none twice.
    const keys = smtp.accepted.filter((a) => r.programs.includes(a.program)).map((a) => `${a.program}/${a.key}`);
    expect(new Set(keys).size).toBe(MEASURES);
    expect(r.firstLagSeconds).toBeGreaterThanOrEqual(0);
    expect(r.acceptedWithinSeconds).toBeLessThanOrEqual(60);
  }, 420_000);
});
