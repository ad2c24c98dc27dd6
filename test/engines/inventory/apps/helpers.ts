import { readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExtractInput, Extractor, FileInfo, InventoryPackage } from '../../../../src/engines/inventory/types.js';

/** test/engines/inventory/apps/fixtures, resolved from dist/test/engines/inventory/apps at run time. */
export const FIXTURES = fileURLToPath(new URL('../../../../../test/engines/inventory/apps/fixtures/', import.meta.url));

/** Problems extractors reported through `report` (the walker would put them in the extractor's status). */
export const reported: Array<{ path: string; message: string }> = [];

/** What the walker would hand an extractor for a real file under `root` (its path made root-relative). */
export function inputFromFile(root: string, absolutePath: string): ExtractInput {
  const path = relative(root, absolutePath).split(sep).join('/');
  return { path, size: statSync(absolutePath).size, read: async () => readFileSync(absolutePath), os: null, report: (message) => { reported.push({ path, message }); } };
}

export function inputFromBytes(path: string, bytes: Buffer | string): ExtractInput {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  return { path, size: buffer.length, read: async () => buffer, os: null, report: (message) => { reported.push({ path, message }); } };
}

export function fileInfo(path: string, size = 4096): FileInfo {
  return { path, size: () => size };
}

/** Runs the extractor the way the walker does: only on a file it asked for. */
export async function extractFixture(extractor: Extractor, relativePath: string): Promise<InventoryPackage[]> {
  const input = inputFromFile(FIXTURES, join(FIXTURES, relativePath));
  if (!extractor.fileRequired(fileInfo(input.path, input.size))) throw new Error(`${extractor.name} does not want ${input.path}`);
  return extractor.extract(input);
}

/** `name@version` for each package, sorted: compact to compare. */
export function ids(packages: InventoryPackage[]): string[] {
  return packages.map((p) => `${p.name}@${p.version}`).sort();
}
