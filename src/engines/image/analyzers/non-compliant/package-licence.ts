import { dep5PathFor, parseDep5Copyright } from '../../../licence/index.js';
import type { ImagePackage } from '../../inventory.js';
import type { CapturedFiles } from '../types.js';

const DEP5_FILE = /^usr\/share\/doc\/[^/]+\/copyright$/;
const DPKG_EXTRACTOR = 'os/dpkg';

/** The Debian copyright files (`usr/share/doc/<pkg>/copyright`) the licence lookup reads: capture these. */
export const isDep5Path = (path: string): boolean => DEP5_FILE.test(path);

/**
 * A package's SPDX licence: what its extractor recorded (apk, rpm, npm, PyPI…), else for a dpkg package the
 * expression of its DEP-5 copyright file in the final view (symlinked doc dirs resolved); '' when unknown or the
 * file is not machine-readable.
 */
export function packageLicence(pkg: ImagePackage, captured: CapturedFiles): string {
  if (pkg.license) return pkg.license;
  if (pkg.extractor !== DPKG_EXTRACTOR) return '';
  const bytes = captured.read(dep5PathFor(pkg.name));
  return bytes ? (parseDep5Copyright(bytes.toString('utf8'))?.expression ?? '') : '';
}
