import { createReadStream } from 'node:fs';
import type { Kysely, Transaction } from 'kysely';
import type { AppRow } from '../../engines/image/report.js';
import type { Database } from '../../store/schema.js';
import type { AdvisorySource } from '../vul-scan/host-matcher.js';
import { riskRank, vulRiskLevel } from './domain.js';
import { appRecord, FINDING_TABLES, ROW_CONVERTERS } from './finding-rows.js';
import { decodeReport, type DecodeLimits, type ReportHeader, DEFAULT_DECODE_LIMITS } from './report-wire.js';
import { matchApps, type AppMatches } from './vuln-match.js';
import type { ImageDatabase, ImageTables } from './tables.js';

/**
 * Stores a decoded scan report as an image's findings. Pass 1 decodes and checks the whole NDJSON file (no
 * writes), keeping only the header, the apps (to match) and the counters; pass 2, in one transaction, deletes the
 * image's previous findings, streams the rows in again in batches and updates the image row, so a rescan
 * replaces the findings atomically and a bad report changes nothing.
 */

const BATCH = 200;
/** Apps matched at most per image (their rows are kept in memory for the matcher). */
export const MAX_APPS = 200_000;

export interface ReportSummary {
  header: ReportHeader;
  counts: { apps: number; vulns: number; files: number; filesSize: number; malwares: number; sensitive: number; nonCompliant: number; buildRisks: number };
  riskRank: number;
}

interface Pass1 { header: ReportHeader; apps: AppRow[]; summary: ReportSummary }

async function firstPass(file: string, limits: DecodeLimits): Promise<Pass1> {
  let header: ReportHeader | null = null;
  const apps: AppRow[] = [];
  const counts = { apps: 0, vulns: 0, files: 0, filesSize: 0, malwares: 0, sensitive: 0, nonCompliant: 0, buildRisks: 0 };
  let rank = 0;
  await decodeReport(createReadStream(file), async (h) => { header = h; }, async (line) => {
    switch (line.type) {
      case 'apps':
        if (apps.length >= MAX_APPS) throw new Error(`the report lists more than ${MAX_APPS} apps`);
        apps.push(line.row); counts.apps += 1; break;
      case 'files': counts.files += 1; counts.filesSize += line.row.size; break;
      case 'malwares': counts.malwares += 1; rank = Math.max(rank, riskRank('critical')); break;
      case 'sensitive-info': counts.sensitive += 1; rank = Math.max(rank, riskRank(line.row.severity)); break;
      case 'non-compliant-app': counts.nonCompliant += 1; break;
      case 'build-command-risks': counts.buildRisks += 1; rank = Math.max(rank, riskRank(line.row.riskLevel)); break;
    }
  }, limits);
  if (!header) throw new Error('the report has no header');
  return { header, apps, summary: { header, counts, riskRank: rank } };
}

async function insertBatch(trx: Transaction<ImageDatabase>, table: keyof ImageTables, rows: object[]): Promise<void> {
  if (rows.length === 0) return;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table is chosen at run time; rows come from its converter
  await trx.insertInto(table).values(rows as any).execute();
  rows.length = 0;
}

export class ReportStore {
  private readonly db: Kysely<ImageDatabase>;

  constructor(db: Kysely<Database>, private readonly advisories: AdvisorySource) {
    this.db = db.withTables<ImageTables>();
  }

  /**
   * Replaces the findings of image row `imageRow` with the report in `file` (NDJSON), updating its counters and
   * status to `success`. `expectImageId`: the config digest the image row stands for (a report of another image
   * is refused). Throws (changing nothing) on a malformed report.
   */
  async store(imageRow: string, expectImageId: string, file: string, now = Date.now(), limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<ReportSummary> {
    const pass = await firstPass(file, limits);
    if (pass.header.imageId !== expectImageId) throw new Error(`the report is of image ${pass.header.imageId}, not ${expectImageId}`);
    const matches = await matchApps(pass.apps, this.advisories);
    const { summary } = pass;
    for (const findings of matches.byApp.values()) {
      summary.counts.vulns += findings.length;
      for (const f of findings) summary.riskRank = Math.max(summary.riskRank, riskRank(vulRiskLevel(f.severity.level)));
    }
    await this.db.transaction().execute(async (trx) => {
      for (const table of [...Object.values(FINDING_TABLES), 'image_vulns'] as const) await trx.deleteFrom(table).where('image_row', '=', imageRow).execute();
      await this.insertApps(trx, imageRow, pass.apps, matches);
      await this.insertOthers(trx, imageRow, file, limits);
      const h = pass.header;
      const c = summary.counts;
      await trx.updateTable('image_images').set({
        scan_status: 'success', scan_failed_desc: '', format: h.format, architecture: h.architecture,
        os_name: h.os?.id ?? '', os_version: h.os?.versionId ?? '', layers: JSON.stringify(h.layers),
        image_size: h.layers.reduce((n, l) => n + l.size, 0), apps_num: c.apps, vul_num: c.vulns, files_num: c.files, files_size: c.filesSize,
        malicious_file_num: c.malwares, sensitive_num: c.sensitive, non_compliant_num: c.nonCompliant, build_risk_num: c.buildRisks,
        risk_rank: summary.riskRank, problems: JSON.stringify(h.problems), latest_scan_time: now,
      }).where('id', '=', imageRow).execute();
    });
    return summary;
  }

  private async insertApps(trx: Transaction<ImageDatabase>, imageRow: string, apps: readonly AppRow[], matches: AppMatches): Promise<void> {
    const rows: object[] = [];
    const vulns: object[] = [];
    let vulSeq = 0;
    for (const [i, app] of apps.entries()) {
      const findings = matches.byApp.get(i) ?? [];
      rows.push(appRecord(imageRow, i, app, findings.length));
      for (const f of findings) {
        vulns.push({
          image_row: imageRow, seq: vulSeq++, vul_id: f.vulnId, type: app.kind === 'os' ? 'linux_vul' : 'app_vul', app_name: app.appName,
          app_version: app.appVersion, app_path: app.appPath, severity_level: f.severity.level, fixed_version: f.fixedVersion ?? '',
          description: (matches.summaries.get(f.vulnId) ?? '').slice(0, 1000), layer_index: app.layerIndex, layer_digest: app.layerDigest,
        });
        if (vulns.length >= BATCH) await insertBatch(trx, 'image_vulns', vulns);
      }
      if (rows.length >= BATCH) await insertBatch(trx, 'image_apps', rows);
    }
    await insertBatch(trx, 'image_apps', rows);
    await insertBatch(trx, 'image_vulns', vulns);
  }

  private async insertOthers(trx: Transaction<ImageDatabase>, imageRow: string, file: string, limits: DecodeLimits): Promise<void> {
    const pending = new Map<keyof ImageTables, object[]>();
    const seqs = new Map<string, number>();
    await decodeReport(createReadStream(file), async () => undefined, async (line) => {
      if (line.type === 'apps') return;
      const seq = seqs.get(line.type) ?? 0;
      seqs.set(line.type, seq + 1);
      const table = FINDING_TABLES[line.type];
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the converter matches the line's type
      const record = (ROW_CONVERTERS[line.type] as (i: string, s: number, r: any) => object)(imageRow, seq, line.row);
      const list = pending.get(table) ?? [];
      list.push(record);
      pending.set(table, list);
      if (list.length >= BATCH) await insertBatch(trx, table, list);
    }, limits);
    for (const [table, list] of pending) await insertBatch(trx, table, list);
  }
}
