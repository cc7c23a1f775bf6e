/** `remediate`: the command line of design section 5, a thin interface over src/client. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { Client } from '@temporalio/client';
import { connectClient, connectionSettings, TemporalUnreachable } from '../client/connection';
import { DEFAULT_RETENTION_DAYS, prepareTemporal, renderSetup, requireSetUp, TemporalNotSetUp } from '../client/setup';
import { compileUpdate, decideOnUpdate, listUpdates, parseRevision, programState } from '../client/rollup';
import { applyPlan, measureState, programStates, readPlanFile, resolveProgram, sendCommand } from '../client/tracker';
import type { CommandFields, CommandType } from '../domain/commands';
import { historyCsv } from '../domain/history';
import { formatProblem, problem, ProblemError } from '../domain/problems';
import type { Target } from '../domain/refs';
import { REPORT_TRACK } from '../domain/report-track';
import { EncryptionCodec } from '../client/codec';
import { startCodecServer } from '../local/codec-server';
import { DEFAULT_WEB_PORT, loadSettings, requireKeys, SettingsError, type Settings } from '../settings';
import { mailSender } from '../web/mailer';
import { startWebServer } from '../web/server';
import { connectWorker, createWorker, mailOf } from '../worker';
import { actorOf, EXIT, historyDocument, parseTarget, renderReport, runSimulation, statusDocument } from './commands';
import { runDev } from './dev';
import { renderEvents, renderHistory, renderOutcome, renderStatus, renderUpdates } from './output';

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
const json = (v: unknown): void => out(JSON.stringify(v, null, 2));

async function withClient<T>(settings: Settings, fn: (client: Client) => Promise<T>): Promise<T> {
  const { client, connection, namespace } = await connectClient(settings.env);
  try {
    await requireSetUp(connection, namespace);
    return await fn(client);
  } finally {
    await connection.close();
  }
}

/** A port option's value (1-65535), else a ProblemError naming the option. */
function portOption(name: string, value: string): number {
  const v = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(v) || v < 1 || v > 65535)
    throw new ProblemError([
      problem(name, `not a port (1-65535): ${value}`, `ポート番号（1-65535）ではありません: ${value}`),
    ]);
  return v;
}

/** An origin (`scheme://host[:port]`, as a browser sends it), else a ProblemError naming the option. */
function originOption(name: string, value: string): string {
  let origin: string | undefined;
  try {
    origin = new URL(value).origin;
  } catch {
    origin = undefined;
  }
  if (origin === undefined || origin === 'null' || origin !== value.replace(/\/$/, ''))
    throw new ProblemError([
      problem(
        name,
        `not an origin (expected scheme://host[:port], e.g. http://localhost:8233): ${value}`,
        `オリジン（例 http://localhost:8233）ではありません: ${value}`,
      ),
    ]);
  return origin;
}

/** The version in package.json (the repository's, from src/ or from the compiled dist/). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

/** Builds the command tree; `json`: the command line asks for JSON (`--json`), which `--version` honours too. */
function buildProgram(settings: Settings, versionAsJson = false): Command {
  const program = new Command('remediate')
    .description(
      'Deliver a regulator-ordered remediation program on time, provably, in public.\n' +
        '規制当局の指導に基づく是正計画を、期限どおり・証跡つきで遂行する。',
    )
    .version(
      versionAsJson ? JSON.stringify({ version: packageVersion() }) : packageVersion(),
      '-V, --version',
      'print the version',
    )
    .showHelpAfterError()
    .exitOverride();
  const programOpt = () => new Option('--program <id>', 'program id (optional while only one program runs)');
  const asOpt = () => new Option('--as <person>', 'acting person (default: $REMEDIATE_AS)');

  /** Sends one command through its Update and prints the outcome. */
  const act = async <T extends CommandType>(
    o: { program?: string; json?: boolean; as?: string },
    target: Target,
    type: T,
    fields: (actor: string) => CommandFields<T>,
    said: (actor: string) => string,
  ) => {
    const actor = actorOf(o.as, settings.actor);
    await withClient(settings, async (client) => {
      const prog = await resolveProgram(client, o.program);
      const outcome = await sendCommand(client, prog, target.measure, type, { ...fields(actor), actor });
      if (o.json) return json(outcome);
      out(said(actor));
      out(renderOutcome(outcome));
    });
  };

  const plan = program.command('plan').description('validate or apply a plan file');
  plan
    .command('validate <file>')
    .option('--json', 'machine-readable output')
    .action((file: string, o: { json?: boolean }) => {
      const p = readPlanFile(file);
      const milestones = p.measures.reduce((n, m) => n + m.milestones.length, 0);
      if (o.json) return json({ ok: true, program: p.program.id, measures: p.measures.length, milestones });
      out(`ok: ${file}: program ${p.program.id}, ${p.measures.length} measures, ${milestones} milestones / 検証 OK`);
    });
  plan
    .command('apply <file>')
    .addOption(asOpt())
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: { as?: string; json?: boolean }) => {
      const p = readPlanFile(file);
      const actor = actorOf(o.as, settings.actor);
      const r = await withClient(settings, (client) => applyPlan(client, p, actor));
      if (o.json) return json({ program: p.program.id, ...r });
      out(
        `program ${p.program.id}: ${r.started.length} started, ${r.amended.length} amended, ${r.unchanged.length} unchanged` +
          ` / 開始 ${r.started.length}・変更 ${r.amended.length}・変更なし ${r.unchanged.length}`,
      );
      for (const m of r.started) out(`  started  measure/${p.program.id}/${m}`);
      for (const m of r.amended) out(`  amended  measure/${p.program.id}/${m}`);
      out(`  ${r.rollup.program.padEnd(8)} program/${p.program.id} (plan version ${r.rollup.version.slice(0, 12)})`);
      if (r.rollup.schedule !== 'none')
        out(`  ${r.rollup.schedule.padEnd(8)} schedule progress-update/${p.program.id}`);
    });

  program
    .command('status')
    .description('status of every measure')
    .addOption(programOpt())
    .option('--json', 'machine-readable output')
    .action(async (o: { program?: string; json?: boolean }) => {
      await withClient(settings, async (client) => {
        const id = await resolveProgram(client, o.program);
        const states = await programStates(client, id);
        if (states.length === 0)
          throw new ProblemError([
            problem('--program', `unknown program: ${id} (no running measures)`, `プログラムがありません: ${id}`),
          ]);
        const doc = statusDocument(id, states, Date.now());
        if (o.json) return json(doc);
        out(renderStatus(id, doc.measures, settings.lang));
      });
    });

  program
    .command('history <measure>')
    .description('actions, decisions and notifications of a measure (or @reports), as text, JSON or CSV')
    .addOption(programOpt())
    .option('--format <format>', 'text | json | csv (default: text)')
    .option('--json', 'the same as --format json')
    .option('--out <file>', 'write the export into this file instead of printing it')
    .action(async (measure: string, o: { program?: string; format?: string; json?: boolean; out?: string }) => {
      const format = o.format ?? (o.json ? 'json' : 'text');
      if (format !== 'text' && format !== 'json' && format !== 'csv')
        throw new ProblemError([
          problem(
            '--format',
            `must be text, json or csv: ${format}`,
            `text・json・csv のいずれかを指定してください: ${format}`,
          ),
        ]);
      if (o.json && format !== 'json')
        throw new ProblemError([
          problem('--json', `contradicts --format ${format}`, `--format ${format} と同時には指定できません`),
        ]);
      const state = await withClient(settings, async (client) => {
        const id = await resolveProgram(client, o.program);
        if (measure !== REPORT_TRACK) return measureState(client, id, measure);
        // The report track is no measure workflow: the program workflow holds it.
        const reports = (await programState(client, id)).reports;
        if (!reports)
          throw new ProblemError([
            problem(
              'measure',
              `program ${id} has no reports to the regulator (${REPORT_TRACK})`,
              `プログラム ${id} には規制当局への報告（${REPORT_TRACK}）がありません`,
            ),
          ]);
        return reports;
      });
      const text =
        format === 'csv'
          ? historyCsv(state)
          : format === 'json'
            ? `${JSON.stringify(historyDocument(state), null, 2)}\n`
            : `${renderHistory(state)}\n`;
      if (!o.out) {
        process.stdout.write(text);
        return;
      }
      try {
        writeFileSync(o.out, text);
      } catch (e) {
        throw new ProblemError([
          problem(
            '--out',
            `cannot write ${o.out}: ${e instanceof Error ? e.message : String(e)}`,
            `書き込めません: ${o.out}`,
          ),
        ]);
      }
      out(o.out);
    });

  const milestone = program.command('milestone').description('act on a milestone');
  milestone
    .command('complete <target>')
    .description('complete <measure>/<milestone> with evidence')
    .requiredOption('--evidence <text>', 'ticket, document or URL')
    .addOption(asOpt())
    .addOption(programOpt())
    .option('--json')
    .action(async (t: string, o: { evidence: string; as?: string; program?: string; json?: boolean }) => {
      const target = parseTarget(t);
      await act(
        o,
        target,
        'complete',
        () => ({ milestone: target.milestone ?? '', evidence: o.evidence }),
        (actor) => `completion of ${t} recorded by ${actor} / 完了を記録しました`,
      );
    });
  milestone
    .command('verify <target>')
    .description('confirm a completion awaiting verification (measure owner, sponsor or a manager; not the completer)')
    .option('--reason <text>', 'a note')
    .addOption(asOpt())
    .addOption(programOpt())
    .option('--json')
    .action(async (t: string, o: { reason?: string; as?: string; program?: string; json?: boolean }) => {
      const target = parseTarget(t);
      await act(
        o,
        target,
        'verify',
        () => ({ milestone: target.milestone ?? '', ...(o.reason !== undefined ? { reason: o.reason } : {}) }),
        (actor) => `completion of ${t} verified by ${actor} / 完了を確認しました`,
      );
    });
  milestone
    .command('reject-verification <target>')
    .description('reject a completion awaiting verification: the milestone reopens, with the reason recorded')
    .requiredOption('--reason <text>')
    .addOption(asOpt())
    .addOption(programOpt())
    .option('--json')
    .action(async (t: string, o: { reason: string; as?: string; program?: string; json?: boolean }) => {
      const target = parseTarget(t);
      await act(
        o,
        target,
        'reject-verification',
        () => ({ milestone: target.milestone ?? '', reason: o.reason }),
        (actor) => `completion of ${t} rejected by ${actor}: the milestone is open again / 完了を差し戻しました`,
      );
    });
  milestone
    .command('forecast <target>')
    .description("set the owner's forecast date")
    .requiredOption('--date <date>', 'YYYY-MM-DD')
    .addOption(asOpt())
    .addOption(programOpt())
    .option('--json')
    .action(async (t: string, o: { date: string; as?: string; program?: string; json?: boolean }) => {
      const target = parseTarget(t);
      await act(
        o,
        target,
        'forecast',
        () => ({ milestone: target.milestone ?? '', date: o.date }),
        (actor) => `forecast of ${t} set to ${o.date} by ${actor} / 見込みを更新しました`,
      );
    });
  milestone
    .command('replan <target>')
    .description('move the due date (a program manager: at once; anyone else: waits for approval)')
    .requiredOption('--date <date>', 'YYYY-MM-DD')
    .requiredOption('--reason <text>')
    .addOption(asOpt())
    .addOption(programOpt())
    .option('--json')
    .action(async (t: string, o: { date: string; reason: string; as?: string; program?: string; json?: boolean }) => {
      const target = parseTarget(t);
      await act(
        o,
        target,
        'replan',
        () => ({ milestone: target.milestone ?? '', date: o.date, reason: o.reason }),
        (actor) => `re-plan of ${t} to ${o.date} recorded by ${actor} / 計画変更を記録しました`,
      );
    });

  const replan = program.command('replan').description('decide on a re-plan waiting for approval');
  for (const decision of ['approve', 'reject'] as const) {
    replan
      .command(`${decision} <target>`)
      .option('--reason <text>', 'why (optional)')
      .addOption(asOpt())
      .addOption(programOpt())
      .option('--json')
      .action(async (t: string, o: { reason?: string; as?: string; program?: string; json?: boolean }) => {
        const target = parseTarget(t);
        const done = decision === 'approve' ? 'approved / 承認しました' : 'rejected / 却下しました';
        await act(
          o,
          target,
          decision === 'approve' ? 'approve-replan' : 'reject-replan',
          () => ({ milestone: target.milestone ?? '', ...(o.reason ? { reason: o.reason } : {}) }),
          (actor) => `re-plan of ${t} ${done} by ${actor}`,
        );
      });
  }

  const measure = program.command('measure').description('act on a measure');
  measure
    .command('cancel <measure>')
    .requiredOption('--reason <text>')
    .addOption(asOpt())
    .addOption(programOpt())
    .option('--json')
    .action(async (m: string, o: { reason: string; as?: string; program?: string; json?: boolean }) => {
      await act(
        o,
        parseTarget(m, true),
        'cancel',
        () => ({ reason: o.reason }),
        (actor) => `measure ${m} cancelled by ${actor} / 施策を中止しました`,
      );
    });
  measure
    .command('reassign <target>')
    .description('give <measure> or <measure>/<milestone> to another owner')
    .requiredOption('--to <person>')
    .requiredOption('--reason <text>')
    .addOption(asOpt())
    .addOption(programOpt())
    .option('--json')
    .action(async (t: string, o: { to: string; reason: string; as?: string; program?: string; json?: boolean }) => {
      const target = parseTarget(t, true);
      await act(
        o,
        target,
        'reassign',
        () => ({ ...(target.milestone ? { milestone: target.milestone } : {}), to: o.to, reason: o.reason }),
        (actor) => `${t} reassigned to ${o.to} by ${actor} / 担当を変更しました`,
      );
    });

  program
    .command('report')
    .description('the public progress update or the confidential regulator report, from the live state')
    .addOption(programOpt())
    .requiredOption('--kind <kind>', 'public | regulator')
    .option('--format <format>', 'md | html | json (public); md | html | csv | json | oscal (regulator)', 'md')
    .option('--out <dir>', 'write every language of the format into this folder instead of printing one')
    .action(async (o: { program?: string; kind: string; format: string; out?: string }) => {
      await withClient(settings, async (client) => {
        const id = await resolveProgram(client, o.program);
        const states = await programStates(client, id);
        if (states.length === 0)
          throw new ProblemError([
            problem('--program', `unknown program: ${id} (no running measures)`, `プログラムがありません: ${id}`),
          ]);
        const ps = await programState(client, id).catch((e: unknown) => {
          // A program applied before the program workflow existed has none: its reports lack the directive.
          if (e instanceof ProblemError) return undefined;
          throw e;
        });
        const files = renderReport(
          states,
          Date.now(),
          o.kind,
          o.format,
          o.out ? ['ja', 'en'] : [settings.lang],
          ps && { ...ps.program, reports: ps.reports },
        );
        if (!o.out) return process.stdout.write(files[0]?.text ?? '');
        mkdirSync(o.out, { recursive: true });
        for (const f of files) {
          writeFileSync(path.join(o.out, f.name), f.text);
          out(path.join(o.out, f.name));
        }
      });
    });

  const update = program.command('update').description('the public progress updates: list, compile, approve, reject');
  update
    .command('list')
    .description('every progress update of the program: period, state, revision')
    .addOption(programOpt())
    .option('--json', 'machine-readable output')
    .action(async (o: { program?: string; json?: boolean }) => {
      await withClient(settings, async (client) => {
        const id = await resolveProgram(client, o.program);
        const updates = await listUpdates(client, id);
        if (o.json) return json({ program: id, updates });
        out(renderUpdates(id, updates, settings.lang));
      });
    });
  update
    .command('compile')
    .description('compile a draft now (a new revision after a reject, or the current period)')
    .addOption(programOpt())
    .addOption(asOpt())
    .option('--period <period>', 'the period to compile (YYYY-MM or YYYY-Www; default: the current one)')
    .option('--json', 'machine-readable output')
    .action(async (o: { program?: string; as?: string; period?: string; json?: boolean }) => {
      const actor = actorOf(o.as, settings.actor);
      await withClient(settings, async (client) => {
        const id = await resolveProgram(client, o.program);
        const r = await compileUpdate(client, id, actor, o.period);
        if (o.json) return json(r);
        out(
          r.started
            ? `compiling progress-update/${id}/${r.period}: the draft goes to comms by mail / 下書きを作成中です（広報担当へメールします）`
            : `compiling progress-update/${id}/${r.period} again: a new revision goes to comms / 新しい版を作成中です`,
        );
      });
    });
  for (const decision of ['approve', 'reject'] as const) {
    update
      .command(`${decision} <update>`)
      .description(
        decision === 'approve'
          ? 'approve the draft <program>/<period>: it is published'
          : 'reject the draft <program>/<period> with a reason',
      )
      .addOption(asOpt())
      .option('--reason <text>', decision === 'reject' ? 'why (required)' : 'a note')
      .option(
        '--revision <n>',
        'the revision you read (the draft mail names it): refused if the draft has been compiled again since',
      )
      .option('--json', 'machine-readable output')
      .action(async (ref: string, o: { as?: string; reason?: string; revision?: string; json?: boolean }) => {
        const actor = actorOf(o.as, settings.actor);
        const revision = o.revision === undefined ? undefined : parseRevision(o.revision);
        const r = await withClient(settings, (client) =>
          decideOnUpdate(client, ref, decision, actor, { reason: o.reason, revision }),
        );
        if (o.json) return json(r);
        out(
          decision === 'approve'
            ? `${actor} approved ${r.program}/${r.period} (revision ${r.revision}): publishing / 承認しました。公開します`
            : `${actor} rejected ${r.program}/${r.period} (revision ${r.revision}) / 差し戻しました`,
        );
      });
  }

  program
    .command('simulate <file>')
    .description('every notification the engine would send, without a server')
    .option('--from <date>', 'start at 00:00 of this date (default: today)')
    .requiredOption('--until <date>', 'stop at 00:00 of this date (not included)')
    .option('--actions <file>', 'YAML/JSON list of actions')
    .option('--json', 'machine-readable output')
    .action((file: string, o: { from?: string; until: string; actions?: string; json?: boolean }) => {
      const r = runSimulation(file, o);
      const events = r.events.map(({ ms: _ms, ...e }) => e);
      if (o.json) return json({ program: r.plan.program.id, from: r.from, until: r.until, events });
      out(`simulation of ${r.plan.program.id} from ${r.from} until ${r.until}: ${events.length} events`);
      if (events.length) out(renderEvents(r.events));
    });

  program
    .command('setup')
    .description(
      'prepare the configured Temporal (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE ...): create the namespace when missing and register the search attributes; idempotent',
    )
    .option(
      '--retention-days <days>',
      'retention of closed workflows in a namespace it creates',
      String(DEFAULT_RETENTION_DAYS),
    )
    .option('--json', 'machine-readable output')
    .action(async (o: { retentionDays: string; json?: boolean }) => {
      const days = Number(o.retentionDays);
      if (!/^\d+$/.test(o.retentionDays) || days < 1 || days > 3650)
        throw new ProblemError([
          problem(
            '--retention-days',
            `not a number of days (1-3650): ${o.retentionDays}`,
            `日数（1-3650）ではありません: ${o.retentionDays}`,
          ),
        ]);
      const s = connectionSettings(settings.env);
      const { connection } = await connectWorker(settings.env);
      try {
        const report = await prepareTemporal(connection, s.namespace, { retentionDays: days });
        if (o.json) return json({ address: s.address, ...report });
        for (const line of renderSetup(report, s.address)) out(line);
      } finally {
        await connection.close();
      }
    });

  program
    .command('worker')
    .description('run the worker against the configured Temporal (TEMPORAL_ADDRESS ...)')
    .action(async () => {
      const mail = mailOf(settings);
      const { connection, namespace, address } = await connectWorker(settings.env);
      await requireSetUp(connection, namespace);
      const worker = await createWorker({ connection, namespace, mail, varDir: settings.varDir });
      out(`worker on ${address} (namespace ${namespace}), mail: ${mail.describe}`);
      try {
        await worker.run();
      } finally {
        await mail.transport.close?.();
      }
    });

  program
    .command('codec-server')
    .description(
      'the codec endpoint for the Temporal UI and CLI: decrypts payloads with the configured keys (REMEDIATE_KEYS / REMEDIATE_KEY_FILE)',
    )
    .option('--port <port>', 'port to listen on', '8234')
    .option('--host <host>', "address to listen on (0.0.0.0 in a container, behind the UI's SSO)", '127.0.0.1')
    .option(
      '--cors-origin <origin>',
      'origin of the Temporal UI allowed to call it from a browser (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .action(async (o: { port: string; host: string; corsOrigin: string[] }) => {
      const port = portOption('--port', o.port);
      const origins = o.corsOrigin.map((v) => originOption('--cors-origin', v));
      const server = await startCodecServer({
        codec: new EncryptionCodec(requireKeys(settings)),
        port,
        host: o.host,
        allowedOrigins: origins,
        keepAlive: true,
      }).catch((e: unknown) => {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL' && code !== 'EACCES') throw e;
        throw new ProblemError([
          problem(
            '--port',
            `cannot listen on ${o.host}:${port} (${code})`,
            `${o.host}:${port} で待ち受けできません（${code}）`,
          ),
        ]);
      });
      out(
        `codec endpoint on ${server.url} (current key ${requireKeys(settings).current}); browsers answered from: ${origins.join(', ') || '(none: CLI only)'}`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });

  program
    .command('web')
    .description(
      'the web alone against the configured Temporal: action links from mails, sign-in, program, measure and approval pages',
    )
    .option('--port <port>', `port to listen on (default: REMEDIATE_WEB_PORT, else ${DEFAULT_WEB_PORT})`)
    .option('--host <host>', 'address to listen on (0.0.0.0 in a container, behind a TLS proxy)', '127.0.0.1')
    .action(async (o: { port?: string; host: string }) => {
      const port = o.port !== undefined ? portOption('--port', o.port) : (settings.webPort ?? DEFAULT_WEB_PORT);
      const keys = requireKeys(settings);
      const mail = mailOf(settings);
      const baseUrl = settings.webUrl ?? `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
      const { client, connection, address, namespace } = await connectClient(settings.env, keys);
      try {
        const server = await startWebServer({
          client,
          keys,
          port,
          host: o.host,
          baseUrl,
          sendMail: mailSender(mail.transport, mail.from),
          varDir: settings.varDir,
        }).catch((e: unknown) => {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL' && code !== 'EACCES') throw e;
          throw new ProblemError([
            problem(
              '--port',
              `cannot listen on ${o.host}:${port} (${code})`,
              `${o.host}:${port} で待ち受けできません（${code}）`,
            ),
          ]);
        });
        out(
          `web on ${server.url} (mails link to ${baseUrl}); Temporal ${address} (namespace ${namespace}), mail: ${mail.describe}`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.close();
      } finally {
        await mail.transport.close?.();
        await connection.close();
      }
    });

  program
    .command('dev')
    .description('the local default: Temporal server (SQLite under var/), worker and UI; applies examples/ly-2024.yaml')
    .option('--plan <file>', 'plan to apply', path.join(__dirname, '..', '..', 'examples', 'ly-2024.yaml'))
    .option('--port <port>', 'gRPC port', '7233')
    .option('--ui-port <port>', 'UI port', '8233')
    .action(async (o: { plan: string; port: string; uiPort: string }) => {
      const port = portOption('--port', o.port);
      const uiPort = portOption('--ui-port', o.uiPort);
      await runDev({ planFile: o.plan, port, uiPort, settings, print: out });
    });
  return program;
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const settings = loadSettings(env);
    mkdirSync(settings.varDir, { recursive: true });
    await buildProgram(settings, argv.includes('--json')).parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.refused;
    if (e instanceof ProblemError) {
      for (const p of e.problems) process.stderr.write(`${formatProblem(p)}\n`);
      return EXIT.refused;
    }
    if (e instanceof SettingsError) {
      process.stderr.write(`${e.message}\n`);
      return EXIT.refused;
    }
    if (e instanceof TemporalUnreachable || e instanceof TemporalNotSetUp) {
      process.stderr.write(`${e.message}\n`);
      return EXIT.unreachable;
    }
    process.stderr.write(`remediate: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.failure;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
