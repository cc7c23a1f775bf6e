/**
 * `npm run cluster`: the production shape on this machine, for an operator to try `remediate setup`,
 * `remediate worker` and `plan apply` against: a Temporal 1.29.1 cluster on a PostgreSQL 15 of its own
 * (src/local/cluster.ts; the server and its schema tool are built into .tools/ the first time, and
 * PostgreSQL comes from Debian), empty: no namespace, no search attributes. It prints the address and
 * runs until Ctrl-C, then stops every process it started and removes its folder.
 */
import { serverSchemaDir, startCluster } from '../src/local/cluster';
import { temporalServerDir } from '../src/local/tools';

async function main(): Promise<void> {
  const cluster = await startCluster({ serverDir: temporalServerDir(), schemaDir: await serverSchemaDir() });
  const lines = [
    `Temporal cluster on PostgreSQL: frontend ${cluster.address} (history, matching, worker and PostgreSQL as processes of their own; logs in ${cluster.dir})`,
    'From another terminal / 別の端末で:',
    `  export TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=production`,
    '  export REMEDIATE_KEY_FILE=<a file of <id>:<base64 of 32 bytes> lines, the same for every worker and CLI>',
    '  npx remediate setup',
    '  npx remediate worker',
    '  npx remediate plan apply examples/ly-2024.yaml --as suzuki',
    'Ctrl-C stops it and removes its data / Ctrl-C で停止し、データを削除します',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await cluster.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`cluster: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
