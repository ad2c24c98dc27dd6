/**
 * The scan process: `node scan-child.js <mode> <image> <out>` runs the reader or scanImage on an untrusted
 * archive outside the server (or agent) process, so a hostile image can exhaust at most this process's bounded
 * heap and time. `identify` prints the image's identity; `scan` writes the report as NDJSON to `<out>` (bounded).
 * The last stdout line is one JSON outcome: `{ok:true,…}` or `{ok:false,code,message}`.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { openImage } from '../../engines/image/image.js';
import { scanImage } from '../../engines/image/scan/scan-image.js';
import { encodeReport } from './report-wire.js';

interface ChildOptions { tempDir: string; maxReportBytes: number; wallTimeMs: number; clamdSocket?: string }

const say = (value: object) => new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(value)}\n`, () => resolve()));

function failure(error: unknown): { ok: false; code: string; message: string } {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' && /^[a-z_]{1,64}$/.test(e.code) ? e.code : 'unknown_error';
  return { ok: false, code, message: String(e?.message ?? error).slice(0, 1000) };
}

async function clamdFactory(socket: string | undefined) {
  if (!socket) return undefined;
  const { ClamdClient } = await import('../../engines/antivirus/clamd-client.js');
  return async () => new ClamdClient({ socketPath: socket });
}

async function main(argv: string[]): Promise<void> {
  const [mode, image, out, rawOptions] = argv;
  const options = JSON.parse(rawOptions ?? '{}') as ChildOptions;
  if (mode === 'identify') {
    const opened = await openImage(image ?? '');
    await say({ ok: true, imageId: opened.imageId, repoTags: opened.repoTags });
    return;
  }
  if (mode !== 'scan' || !out) throw new Error('usage: scan-child identify|scan IMAGE OUT OPTIONS');
  const clamd = await clamdFactory(options.clamdSocket);
  const report = await scanImage(image ?? '', { tempDir: options.tempDir, wallTimeMs: options.wallTimeMs, ...(clamd ? { clamd } : {}) });
  const file = createWriteStream(out, { flags: 'wx', mode: 0o600 });
  let bytes = 0;
  for (const line of encodeReport(report)) {
    bytes += Buffer.byteLength(line);
    if (bytes > options.maxReportBytes) throw Object.assign(new Error(`the report is larger than ${options.maxReportBytes} bytes`), { code: 'image_oversized' });
    if (!file.write(line)) await once(file, 'drain');
  }
  file.end();
  await once(file, 'close');
  await say({ ok: true, imageId: report.imageId, rows: Object.fromEntries(Object.entries(report.rows).map(([k, v]) => [k, v.length])) });
}

main(process.argv.slice(2)).then(() => process.exit(0), async (error: unknown) => {
  await say(failure(error));
  process.exit(3);
});
