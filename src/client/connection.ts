/**
 * Connecting to Temporal with `@temporalio/envconfig` conventions (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS settings, TEMPORAL_PROFILE and the TOML config file), so
 * the same code runs against the local dev server, a self-hosted cluster or Temporal Cloud.
 */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { loadSettings, requireKeys, type EncryptionKeys } from '../settings';
import { encryptedDataConverter } from './codec';

/** The local default: `remediate dev` starts the server here. */
const DEFAULT_ADDRESS = '127.0.0.1:7233';

/** Thrown when the server does not answer; the CLI maps it to exit code 3. */
export class TemporalUnreachable extends Error {
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(
      `Temporal is not reachable at ${address} (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}).\n` +
        `Start the local one with \`npx remediate dev\`, or set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TEMPORAL_API_KEY / TLS) for another server.\n` +
        `Temporal に接続できません: ${address}。\`npx remediate dev\` でローカルサーバーを起動するか、TEMPORAL_ADDRESS を設定してください。`,
    );
    this.name = 'TemporalUnreachable';
  }
}

/** Connection settings from the environment (and the envconfig TOML profile, if any). */
export function connectionSettings(env: NodeJS.ProcessEnv = process.env) {
  const config = loadClientConnectConfig({
    overrideEnvVars: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
  });
  const address = config.connectionOptions.address ?? DEFAULT_ADDRESS;
  return { options: { ...config.connectionOptions, address }, namespace: config.namespace ?? 'default', address };
}

/**
 * A client for the configured server, encrypting with `keys` (default: the keys configured in `env`);
 * throws SettingsError when no key is configured and TemporalUnreachable when the server does not answer.
 */
export async function connectClient(
  env: NodeJS.ProcessEnv = process.env,
  keys: EncryptionKeys = requireKeys(loadSettings(env)),
): Promise<{ client: Client; connection: Connection; namespace: string; address: string }> {
  const s = connectionSettings(env);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...s.options, connectTimeout: '5s' });
    await connection.workflowService.getSystemInfo({});
  } catch (err) {
    throw new TemporalUnreachable(s.address, err);
  }
  return {
    client: new Client({ connection, namespace: s.namespace, dataConverter: encryptedDataConverter(keys) }),
    connection,
    namespace: s.namespace,
    address: s.address,
  };
}
