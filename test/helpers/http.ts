/** Small fetch wrappers for talking to a real Guardpost server in tests. */

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function http<T = Record<string, unknown>>(endpoint: string, options: {
  method?: string; path: string; headers?: Record<string, string>; body?: unknown; rawBody?: string | Buffer;
}): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body: string | Buffer | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  return toResult<T>(await fetch(`${endpoint}${options.path}`, { method: options.method ?? 'GET', headers, body }));
}

/** JSON bodies parsed, anything else kept as text. */
export function parseBody(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}

export async function toResult<T = Record<string, unknown>>(response: Response): Promise<HttpResult<T>> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: parseBody(text) as T, text };
}

export interface TokenCredentials { domain_name: string; user_name: string; password: string; project_id: string }

export async function projectToken(endpoint: string, creds: TokenCredentials, scope: 'project' | 'domain' = 'project'): Promise<string> {
  const result = await http(endpoint, {
    method: 'POST', path: '/v3/auth/tokens',
    body: {
      auth: {
        identity: { methods: ['password'], password: { user: { name: creds.user_name, password: creds.password, domain: { name: creds.domain_name } } } },
        scope: scope === 'project' ? { project: { id: creds.project_id } } : { domain: { name: creds.domain_name } },
      },
    },
  });
  if (result.status !== 201) throw new Error(`token request failed: ${result.status} ${result.text}`);
  return result.headers.get('x-subject-token') as string;
}
