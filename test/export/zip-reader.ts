import { spawn } from 'node:child_process';

/** What python3's zipfile and csv modules (independent readers) see in an export zip. */
export interface ZipReport {
  entries: Array<{ name: string; size: number; compressType: number; utf8Flag: boolean }>;
  /** zipfile.testzip(): first entry with a bad CRC, or null. */
  badEntry: string | null;
  /** Parsed CSV records per `.csv` entry (utf-8-sig, so the BOM is stripped), header first. */
  csv: Record<string, string[][]>;
}

const SCRIPT = `
import csv, io, json, sys, zipfile
path, dest = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(path)
out = {"entries": [], "badEntry": z.testzip(), "csv": {}}
for info in z.infolist():
    out["entries"].append({"name": info.filename, "size": info.file_size, "compressType": info.compress_type, "utf8Flag": bool(info.flag_bits & 0x800)})
    if info.filename.endswith(".csv"):
        text = z.read(info).decode("utf-8-sig")
        out["csv"][info.filename] = list(csv.reader(io.StringIO(text, newline=""), strict=True))
z.extractall(dest)
print(json.dumps(out))
`;

/** Lists, checks, parses and extracts (into `dest`) a zip with python3 (argv only, no shell). */
export function readZipWithPython(zipPath: string, dest: string): Promise<ZipReport> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', SCRIPT, zipPath, dest], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`python3 exited ${code}: ${Buffer.concat(err).toString()}`));
      else resolve(JSON.parse(Buffer.concat(out).toString()) as ZipReport);
    });
  });
}
