/**
 * The codec endpoint of `remediate dev`: Temporal's remote codec protocol over node:http, on 127.0.0.1,
 * so the Temporal UI (`--ui-codec-endpoint`) and the Temporal CLI (`--codec-endpoint`) show payloads in
 * clear to whoever runs the dev server with its key. POST /decode and POST /encode take and return
 * `{"payloads": [{"metadata": {"<key>": "<base64>"}, "data": "<base64>"}]}` (protobuf JSON, as in
 * samples-typescript `encryption/src/codec-server.ts`). Browsers are answered only from the UI's
 * origins; clients that send no Origin (the CLI, curl) are answered too.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { DecryptionError } from '../client/codec';

/** A running codec endpoint. */
export interface CodecServer {
  /** `http://127.0.0.1:<port>`, for `--ui-codec-endpoint` and `--codec-endpoint`. */
  url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
/** The UI sends at most a page of events at once; far below this. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, { message: 'must be base64' });
// Protobuf JSON leaves out an empty list: the Temporal CLI sends `{}` for no payloads.
const body = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), base64).nullish(),
        data: base64.nullish(),
      }),
    )
    .default([]),
});
type JsonPayload = z.infer<typeof body>['payloads'][number];

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): { metadata: Record<string, string>; data: string } => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Starts the endpoint for `codec` on `host` (default 127.0.0.1):`port` (0: a free port), answering
 * browsers from `allowedOrigins`. Beside `remediate dev` it does not keep the process alive by itself;
 * `keepAlive` makes it the process's reason to run (`remediate codec-server`).
 */
export async function startCodecServer(opts: {
  codec: PayloadCodec;
  port: number;
  allowedOrigins: string[];
  host?: string;
  keepAlive?: boolean;
}): Promise<CodecServer> {
  const host = opts.host ?? HOST;
  const allowed = new Set(opts.allowedOrigins);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      // A page from anywhere else (any site open in the browser) gets nothing, not even an error body.
      if (!allowed.has(origin)) throw new HttpError(403, `origin ${origin} is not the Temporal UI's`);
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'content-type, x-namespace, authorization',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    const route = (req.url ?? '').split('?')[0];
    if (route !== '/decode' && route !== '/encode') throw new HttpError(404, 'POST /decode or /encode');
    if (req.method !== 'POST') throw new HttpError(405, 'POST only');
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readBody(req));
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(400, 'the body is not JSON');
    }
    const r = body.safeParse(parsed);
    if (!r.success)
      throw new HttpError(
        400,
        `expected {"payloads": [{"metadata": {...}, "data": "<base64>"}]}: ${r.error.issues
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
      );
    const payloads = r.data.payloads.map(fromJson);
    const out = route === '/decode' ? await opts.codec.decode(payloads) : await opts.codec.encode(payloads);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ payloads: out.map(toJson) }));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : e instanceof DecryptionError ? 422 : 500;
      // A decryption error names the key id, never content; anything else stays generic.
      const message = e instanceof HttpError || e instanceof DecryptionError ? e.message : 'internal error';
      if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: opts.port, host, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Beside the dev server it serves while something else (the worker) runs.
  if (!opts.keepAlive) server.unref();
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
