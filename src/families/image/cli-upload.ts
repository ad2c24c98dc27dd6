import crypto from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { pack } from 'tar-stream';
import { ApiCallError, type ClientCredentials } from '../../cli/api-client.js';
import { signRequest } from '../../server/auth/aksk-signature.js';

/**
 * The CLI side of `POST /v5/{project_id}/image/cicd/upload`: the archive (an OCI layout directory is first packed
 * into a tar in a temp file, bounded) is streamed, AK/SK-signed over an empty payload plus the signed
 * `X-Guardpost-Content-Sha256` of the bytes sent.
 */

export const MAX_LAYOUT_ENTRIES = 100_000;

export interface UploadResult { task_id: string; image_id: string; image_name: string; image_version: string }

/** Packs an OCI layout directory into `target` (regular files and directories only; symlinks refused). */
export async function packLayout(dir: string, target: string): Promise<void> {
  const tar = pack();
  const written = pipeline(tar, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
  let entries = 0;
  const walk = async (rel: string): Promise<void> => {
    for (const entry of (await fsp.readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (++entries > MAX_LAYOUT_ENTRIES) throw new Error(`${dir} holds more than ${MAX_LAYOUT_ENTRIES} entries`);
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        tar.entry({ name: `${name}/`, type: 'directory', mode: 0o755 });
        await walk(name);
      } else if (entry.isFile()) {
        const stat = await fsp.stat(path.join(dir, name));
        const sink = tar.entry({ name, size: stat.size, mode: 0o644 });
        await pipeline(createReadStream(path.join(dir, name)), sink);
      } else {
        throw new Error(`${path.join(dir, name)} is not a regular file or directory`);
      }
    }
  };
  try {
    await walk('');
    tar.finalize();
  } catch (error) {
    tar.destroy(error as Error);
    throw error;
  } finally {
    await written.catch(() => undefined);
  }
  await written;
}

async function sha256Of(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function uploadArchive(creds: ClientCredentials, file: string, query: Record<string, string>): Promise<UploadResult> {
  const sha = await sha256Of(file);
  const size = (await fsp.stat(file)).size;
  const url = new URL(creds.endpoint);
  const pathname = `/v5/${encodeURIComponent(creds.project_id)}/image/cicd/upload`;
  const queryString = new URLSearchParams(Object.entries(query).sort(([a], [b]) => (a < b ? -1 : 1))).toString().replace(/\+/g, '%20');
  const headers = signRequest({
    method: 'POST', path: `${url.pathname.replace(/\/+$/, '')}${pathname}`, query: queryString, body: '', accessKey: creds.ak, secretKey: creds.sk,
    headers: {
      'content-type': 'application/octet-stream', host: url.host, 'x-project-id': creds.project_id, 'x-guardpost-content-sha256': sha,
      'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD',
    },
  });
  const response = await fetch(`${creds.endpoint.replace(/\/+$/, '')}${pathname}${queryString ? `?${queryString}` : ''}`, {
    method: 'POST', headers: { ...headers, 'content-length': String(size) }, body: Readable.toWeb(createReadStream(file)) as ReadableStream, duplex: 'half',
  } as RequestInit);
  const raw = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } catch {
    // reported below
  }
  if (!response.ok) throw new ApiCallError(response.status, String(parsed.error_code ?? 'HTTP'), String(parsed.error_msg ?? raw.slice(0, 300)));
  return parsed as unknown as UploadResult;
}
