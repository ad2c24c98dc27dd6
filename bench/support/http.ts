import http from 'node:http';

export interface HttpResult {
  status: number;
  body: string;
}

/** A keep-alive client with a bounded socket pool (requests queue in the agent when all sockets are busy). */
export function keepAliveAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, keepAliveMsecs: 1000, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
}

/** POSTs JSON to `base + path` over `agent`; rejects on network errors and after `timeoutMs`. */
export function postJson(agent: http.Agent, base: URL, path: string, body: unknown, headers: Record<string, string>,
  timeoutMs: number): Promise<HttpResult> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request({
      agent, host: base.hostname, port: base.port, path, method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(payload.length) },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const timer = setTimeout(() => request.destroy(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(payload);
  });
}
