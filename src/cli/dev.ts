/**
 * `remediate dev`: the embedded local default. Starts the Temporal dev server (SQLite under var/, with
 * its UI) unless one already answers, runs the worker, applies the example plan and prints the status
 * and where to look. Ctrl-C stops everything cleanly; state stays in var/ for the next start.
 * Payloads are encrypted: with the configured keys, else with var/keys, created on the first start;
 * a codec endpoint on 127.0.0.1 lets the UI show them in clear. The web (REMEDIATE_WEB_PORT, default
 * 8235; `off`: none) runs beside the worker, whose mails then link to it.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createLocalKeys, EncryptionCodec } from '../client/codec';
import { connectClient } from '../client/connection';
import { applyPlan, programStates, readPlanFile } from '../client/tracker';
import { startCodecServer, type CodecServer } from '../local/codec-server';
import { isPortFree, startDevServer } from '../local/dev-server';
import { repoRoot, temporalCliPath } from '../local/tools';
import { localKeyFile, type Settings } from '../settings';
import { connectWorker, createWorker, mailOf } from '../worker';
import { nextSlots, statusDocument } from './commands';
import { mailSender } from '../web/mailer';
import { startWebServer, type WebServer } from '../web/server';
import { renderNextSlots, renderStatus } from './output';

/** Runs the local default until SIGINT/SIGTERM. */
export async function runDev(opts: {
  planFile: string;
  port: number;
  uiPort: number;
  settings: Settings;
  print: (s: string) => void;
}): Promise<void> {
  const { print } = opts;
  // The SDK's info logs (webpack bundling, worker states) would bury the status; warnings still show.
  Runtime.install({ logger: new DefaultLogger(opts.settings.logLevel) });
  const { varDir } = opts.settings;
  mkdirSync(varDir, { recursive: true });
  const plan = readPlanFile(opts.planFile);
  const address = `127.0.0.1:${opts.port}`;
  const env: NodeJS.ProcessEnv = {
    ...opts.settings.env,
    TEMPORAL_ADDRESS: opts.settings.env.TEMPORAL_ADDRESS || address,
  };

  let keys = opts.settings.keys;
  if (!keys) {
    keys = createLocalKeys(varDir);
    print(
      `created the encryption key ${keys.current} in ${path.relative(process.cwd(), localKeyFile(varDir))} (mode 0600): keep it, the database cannot be read without it`,
    );
  }

  let server: Awaited<ReturnType<typeof startDevServer>> | undefined;
  let codecServer: CodecServer | undefined;
  let uiAddress = `http://127.0.0.1:${opts.uiPort}`;
  const ownServer = env.TEMPORAL_ADDRESS === address && (await isPortFree(opts.port));
  if (opts.settings.codecPort !== null) {
    const port = opts.settings.codecPort;
    try {
      codecServer = await startCodecServer({
        codec: new EncryptionCodec(keys),
        port,
        allowedOrigins: [`http://127.0.0.1:${opts.uiPort}`, `http://localhost:${opts.uiPort}`],
      });
    } catch (e) {
      const why = `port ${port} on 127.0.0.1 is already in use (an earlier \`remediate dev\` still running?); set REMEDIATE_CODEC_PORT to another port, or off`;
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      // The server's UI would point at whatever listens there: refuse rather than start it so.
      if (ownServer) throw new Error(`Cannot start the codec endpoint: ${why}.`);
      print(`codec endpoint not started: ${why}`);
    }
  }
  try {
    if (ownServer) {
      const dbFile = path.join(varDir, 'temporal.db');
      print(`starting the Temporal dev server on ${address} (database ${path.relative(process.cwd(), dbFile)}) ...`);
      server = await startDevServer({
        cliPath: temporalCliPath(repoRoot),
        dbFile,
        port: opts.port,
        uiPort: opts.uiPort,
        ...(codecServer ? { uiCodecEndpoint: codecServer.url } : {}),
        logFile: path.join(varDir, 'temporal-server.log'),
      });
      uiAddress = server.uiAddress ?? uiAddress;
    } else {
      print(`using the Temporal server already answering at ${env.TEMPORAL_ADDRESS}`);
    }
  } catch (e) {
    await codecServer?.close();
    throw e;
  }

  const { client, connection } = await connectClient(env, keys);
  const mail = mailOf({ ...opts.settings, env });
  // The web first: the worker writes its address into the mails' links.
  let web: WebServer | undefined;
  if (opts.settings.webPort !== null) {
    const port = opts.settings.webPort;
    try {
      web = await startWebServer({
        client,
        keys,
        port,
        host: '127.0.0.1',
        ...(opts.settings.webUrl ? { baseUrl: opts.settings.webUrl } : {}),
        sendMail: mailSender(mail.transport, mail.from),
        varDir,
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      print(
        `web not started: port ${port} on 127.0.0.1 is already in use (an earlier \`remediate dev\` still running?); set REMEDIATE_WEB_PORT to another port, or off`,
      );
    }
  }
  const webUrl = opts.settings.webUrl ?? web?.url;

  const { connection: workerConnection, namespace } = await connectWorker(env);
  const worker = await createWorker({ connection: workerConnection, namespace, mail, varDir, keys, webUrl });
  const running = worker.run();

  const actor = opts.settings.actor ?? plan.program.managers[0] ?? '';
  const applied = await applyPlan(client, plan, actor);
  print(
    `plan ${plan.program.id} applied as ${actor}: ${applied.started.length} started, ${applied.amended.length} amended, ${applied.unchanged.length} unchanged`,
  );
  print(
    `program/${plan.program.id}: ${applied.rollup.program}; progress updates: ${applied.rollup.schedule === 'none' ? 'no cadence in the plan' : `schedule progress-update/${plan.program.id} ${applied.rollup.schedule}`}`,
  );
  // Visibility is eventually consistent: wait briefly until every measure is listed.
  let states = await programStates(client, plan.program.id);
  for (let i = 0; i < 50 && states.length < plan.measures.length; i++) {
    await new Promise((r) => setTimeout(r, 200));
    states = await programStates(client, plan.program.id);
  }
  print('');
  print(
    renderStatus(plan.program.id, statusDocument(plan.program.id, states, Date.now()).measures, opts.settings.lang),
  );
  print('');
  print(renderNextSlots(nextSlots(states, 3)));
  print('');
  print(`Temporal UI:  ${uiAddress}/namespaces/${namespace}/workflows`);
  if (web) print(`web:          ${web.url}${webUrl !== web.url ? ` (mails link to ${webUrl})` : ''}`);
  print(`mail:         ${mail.describe}`);
  print(`encryption:   AES-256-GCM, key ${keys.current} (${keys.source})`);
  if (codecServer)
    print(
      `codec:        ${codecServer.url} (the UI decodes through it; CLI: temporal workflow show --codec-endpoint ${codecServer.url} ...)`,
    );
  const prefix = env.TEMPORAL_ADDRESS === '127.0.0.1:7233' ? '' : `TEMPORAL_ADDRESS=${env.TEMPORAL_ADDRESS ?? ''} `;
  print(`try:          ${prefix}npx remediate status    |    ${prefix}npx remediate history auth-separation`);
  print('Ctrl-C stops the worker and the server; state is kept for the next start.');

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    print('stopping ...');
    worker.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await running;
  } finally {
    await web?.close();
    await mail.transport.close?.();
    await connection.close();
    await workerConnection.close();
    if (server) await server.stop();
    await codecServer?.close();
    print('stopped.');
  }
}
