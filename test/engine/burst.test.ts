/**
 * The 09:00 burst (issue 7 §4): on the fiscal year end a thousand milestones fall due on one date. On
 * the dev server, with the real worker (createWorker, pooled SMTP) and a real SMTP server on loopback:
 * 1,000 measures whose milestones share one slot; every reminder is accepted within 60 s of the slot,
 * the median lag is under 10 s. The harness (plan, receiver, lag) is bench/burst.ts, shared with
 * `npm run bench -- --engine`.
 *
 * It runs in the namespace `burst-e2e` of the suite's shared dev server once global-setup creates it
 * (its own worker serves it, so no other test's worker takes its tasks); until then on a dev server of
 * its own.
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

/** The namespace of this test on the shared dev server (test/global-setup.ts extraNamespaces). */
const BURST_NAMESPACE = 'burst-e2e';
const MEASURES = 1000;

/** Whether `namespace` exists on the server at `address`. */
async function hasNamespace(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection.close();
  }
}

describe('the 09:00 burst on the dev server', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-burst-'));
  let own: DevServer | undefined;
  let address: string;
  let namespace: string;
  let connection: Connection;
  let client: Client;
  let native: NativeConnection;
  let transport: MailTransport;
  let worker: Worker;
  let running: Promise<void>;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    address = inject('temporalAddress');
    namespace = BURST_NAMESPACE;
    if (!(await hasNamespace(address, BURST_NAMESPACE))) {
      own = await startDevServer({ cliPath: inject('temporalCliPath'), headless: true });
      address = own.address;
      namespace = 'default';
    }
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

  it(`accepts every one of ${MEASURES} reminders of one slot within 60 s, median lag under 10 s`, async () => {
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
    expect(r.medianLagSeconds).toBeLessThan(10);
  }, 420_000);
});
