import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Type, type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { FILE_FLAGS, RISK_LEVELS, SECURITY_REPORT_TYPES, type ImageScanReport, type ReportRows, type SecurityReportType } from '../../engines/image/report.js';

/**
 * How a scan report travels from the scanner (the scan child process, an agent) to the server: NDJSON, one
 * header line (image identity, layers, problems, stats) then one `{t, r}` line per row. The server decodes it as
 * untrusted input: every line is bounded and checked against its TypeBox schema before anything is stored.
 */

const S = (max = 4096) => Type.String({ maxLength: max });
const Int = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Digest = Type.String({ pattern: '^sha256:[a-f0-9]{64}$' });
const Layer = {
  layerIndex: Type.Union([Type.Integer({ minimum: 0, maximum: 4096 }), Type.Null()]),
  layerDigest: Type.Union([Digest, Type.Literal('')]),
  createdBy: S(8192),
};
const Level = Type.Union(RISK_LEVELS.map((l) => Type.Literal(l)));

const ROW_SCHEMAS = {
  apps: Type.Object({
    ...Layer, appName: S(512), appType: S(64), appVersion: S(256), sourceName: S(512), appPath: S(), ecosystem: S(128),
    kind: Type.Union([Type.Literal('os'), Type.Literal('app')]), license: S(),
  }),
  files: Type.Object({
    ...Layer, fileName: S(1024), filePath: S(), size: Int, mode: Type.Integer({ minimum: 0, maximum: 0o7777 }),
    flags: Type.Array(Type.Union(FILE_FLAGS.map((f) => Type.Literal(f))), { maxItems: FILE_FLAGS.length }),
  }),
  malwares: Type.Object({
    ...Layer, fileName: S(1024), filePath: S(), size: Int, description: S(1024), sha256: S(64), removed: Type.Boolean(),
  }),
  'sensitive-info': Type.Object({
    ...Layer, sensitiveInfoId: S(64), ruleId: S(128), severity: Level, name: S(256), description: S(), filePath: S(),
    position: S(64), content: S(1024),
  }),
  'non-compliant-app': Type.Object({
    ...Layer, appName: S(512), appVersion: S(256), appPath: S(), license: S(),
    reason: Type.Union([Type.Literal('denied_license'), Type.Literal('blocked_software')]),
  }),
  'build-command-risks': Type.Object({
    ...Layer, ruleId: S(128), riskName: S(512), riskLevel: Level, description: S(), historyIndex: Type.Union([Type.Integer({ minimum: 0, maximum: 65_536 }), Type.Null()]),
    buildInstruction: S(8192), remediation: S(),
  }),
} satisfies Record<SecurityReportType, TSchema>;

const Header = Type.Object({
  imageId: Digest,
  format: Type.Union([Type.Literal('docker-archive'), Type.Literal('oci')]),
  repoTags: Type.Array(S(512), { maxItems: 256 }),
  os: Type.Union([Type.Null(), Type.Object({ id: S(128), versionId: S(128), prettyName: S(512), ecosystem: Type.Union([S(128), Type.Null()]) })]),
  architecture: S(64),
  layers: Type.Array(Type.Object({ index: Type.Integer({ minimum: 0, maximum: 4096 }), diffId: Digest, createdBy: S(8192), size: Int }), { maxItems: 4096 }),
  problems: Type.Array(Type.Object({ type: Type.Union(SECURITY_REPORT_TYPES.map((t) => Type.Literal(t))), message: S() }), { maxItems: 64 }),
  stats: Type.Object({ files: Int, bytes: Int, durationMs: Int }),
});
export type ReportHeader = Static<typeof Header>;

const checkHeader = Compile(Header);
const rowCheckers = Object.fromEntries(SECURITY_REPORT_TYPES.map((t) => [t, Compile(ROW_SCHEMAS[t])])) as
  { [K in SecurityReportType]: ReturnType<typeof Compile<(typeof ROW_SCHEMAS)[K]>> };

/** One decoded row, typed by its report type. */
export type WireRow = { [K in SecurityReportType]: { type: K; row: ReportRows[K][number] } }[SecurityReportType];

export class ReportDecodeError extends Error {}

/** Lines of the NDJSON encoding of `report` (each ends with `\n`). */
export function* encodeReport(report: ImageScanReport): Generator<string> {
  const os = report.os ? { id: report.os.id, versionId: report.os.versionId, prettyName: report.os.prettyName, ecosystem: report.os.ecosystem } : null;
  yield `${JSON.stringify({
    imageId: report.imageId, format: report.format, repoTags: report.repoTags, os,
    architecture: report.architecture, layers: report.layers, problems: report.problems.slice(0, 64), stats: report.stats,
  })}\n`;
  for (const type of SECURITY_REPORT_TYPES) {
    for (const row of report.rows[type]) yield `${JSON.stringify({ t: type, r: row })}\n`;
  }
}

export interface DecodeLimits { maxLineBytes: number; maxRows: number }
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxLineBytes: 64 * 1024, maxRows: 2_000_000 };

const clip = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}…` : text);

/** Decodes an NDJSON report stream: the header, then the rows, each checked; throws ReportDecodeError on anything else. */
export async function decodeReport(input: Readable, onHeader: (header: ReportHeader) => Promise<void>, onRow: (row: WireRow) => Promise<void>,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<{ rows: number }> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let header = false;
  let rows = 0;
  try {
    for await (const line of lines) {
      if (line.length > limits.maxLineBytes) throw new ReportDecodeError(`a report line is longer than ${limits.maxLineBytes} bytes`);
      if (line === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new ReportDecodeError(`a report line is not JSON: ${clip(line)}`);
      }
      if (!header) {
        if (!checkHeader.Check(value)) throw new ReportDecodeError(`bad report header: ${clip(JSON.stringify([...checkHeader.Errors(value)].slice(0, 3).map((e) => `${e.instancePath} ${e.message}`)))}`);
        header = true;
        await onHeader(value);
        continue;
      }
      rows += 1;
      if (rows > limits.maxRows) throw new ReportDecodeError(`the report has more than ${limits.maxRows} rows`);
      await onRow(checkRow(value));
    }
  } finally {
    lines.close();
  }
  if (!header) throw new ReportDecodeError('the report is empty');
  return { rows };
}

function checkRow(value: unknown): WireRow {
  const line = value as { t?: unknown; r?: unknown } | null;
  const type = typeof line === 'object' && line !== null ? line.t : undefined;
  if (typeof type !== 'string' || !(SECURITY_REPORT_TYPES as readonly string[]).includes(type)) throw new ReportDecodeError(`a report row has an unknown type ${clip(String(type))}`);
  const t = type as SecurityReportType;
  const checker = rowCheckers[t];
  if (!checker.Check(line?.r)) {
    const errors = [...checker.Errors(line?.r)].slice(0, 3).map((e) => `${e.instancePath} ${e.message}`);
    throw new ReportDecodeError(`bad ${t} row: ${clip(errors.join('; '))}`);
  }
  return { type: t, row: line?.r } as WireRow;
}
