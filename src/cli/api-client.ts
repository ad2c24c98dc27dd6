import fs from 'node:fs';
import path from 'node:path';
import { signRequest } from '../server/auth/aksk-signature.js';

/**
 * The CLI's Huawei-API client: AK/SK-signed requests exactly as the official SDKs send them. Credentials come
 * from GUARDPOST_ENDPOINT / GUARDPOST_AK / GUARDPOST_SK / GUARDPOST_PROJECT_ID, else $GUARDPOST_HOME/credentials.json.
 */

export interface ClientCredentials { endpoint: string; ak: string; sk: string; project_id: string }

export class ApiCallError extends Error {
  constructor(public readonly status: number, public readonly code: string, message: string) {
    super(`${code}: ${message} (HTTP ${status})`);
  }
}

export function loadClientCredentials(env: NodeJS.ProcessEnv = process.env): ClientCredentials {
  const fromEnv = { endpoint: env.GUARDPOST_ENDPOINT, ak: env.GUARDPOST_AK, sk: env.GUARDPOST_SK, project_id: env.GUARDPOST_PROJECT_ID };
  if (fromEnv.endpoint && fromEnv.ak && fromEnv.sk && fromEnv.project_id) return fromEnv as ClientCredentials;
  const file = path.join(path.resolve(env.GUARDPOST_HOME || './.guardpost'), 'credentials.json');
  if (!fs.existsSync(file)) {
    throw new Error(`no credentials: set GUARDPOST_ENDPOINT, GUARDPOST_AK, GUARDPOST_SK and GUARDPOST_PROJECT_ID, or point GUARDPOST_HOME at a home with credentials.json (${file} does not exist)`);
  }
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as ClientCredentials;
  return { endpoint: fromEnv.endpoint ?? saved.endpoint, ak: saved.ak, sk: saved.sk, project_id: saved.project_id };
}

export class HuaweiApiClient {
  constructor(private readonly creds: ClientCredentials) {}

  get projectId(): string {
    return this.creds.project_id;
  }

  async call<T>(method: string, pathTemplate: string, query: Record<string, string | number | string[] | undefined> = {}, body?: unknown): Promise<T> {
    const pathname = pathTemplate.replace('{project_id}', encodeURIComponent(this.creds.project_id));
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
    }
    const queryString = params.toString().replace(/\+/g, '%20');
    const url = new URL(this.creds.endpoint);
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers = signRequest({
      method, path: `${url.pathname.replace(/\/+$/, '')}${pathname}`, query: queryString, body: text, accessKey: this.creds.ak, secretKey: this.creds.sk,
      headers: { 'content-type': 'application/json', host: url.host, 'x-project-id': this.creds.project_id },
    });
    const response = await fetch(`${this.creds.endpoint.replace(/\/+$/, '')}${pathname}${queryString ? `?${queryString}` : ''}`, {
      method, headers, ...(body === undefined ? {} : { body: text }),
    });
    const raw = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      // reported below
    }
    if (!response.ok) throw new ApiCallError(response.status, String(parsed.error_code ?? 'HTTP'), String(parsed.error_msg ?? raw.slice(0, 300)));
    return parsed as T;
  }
}

/** An HSS list page (`{total_num, data_list}`). */
export interface HssPage<T> { total_num: number; data_list: T[] }

/**
 * Every record of an HSS list, `pageSize` at a time from offset 0, until a short page or `total_num`; at most
 * `maxPages` requests (a bound, not an expectation).
 */
export async function allHssPages<T>(fetchPage: (offset: number, limit: number) => Promise<HssPage<T>>, pageSize = 200, maxPages = 100): Promise<T[]> {
  const out: T[] = [];
  for (let page = 0; page < maxPages; page++) {
    const res = await fetchPage(page * pageSize, pageSize);
    out.push(...res.data_list);
    if (res.data_list.length === 0 || out.length >= res.total_num) break;
  }
  return out;
}
