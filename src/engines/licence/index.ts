/**
 * Licences as SPDX expressions. Pure, no I/O.
 *
 * - `normalizeLicense(raw)` → canonical SPDX expression text: AND/OR/WITH, parentheses and `+` parsed;
 *   ids in canonical case; GNU spellings (`GPLv2+`, `GPL-2`, `LGPL-2.1+`, `GPL-2.0`) as `-only`/`-or-later`;
 *   common names mapped (`Apache 2.0`, `MIT/X11`, `Expat`, `ASL 2.0`, `BSD License`…); unknown names as
 *   `LicenseRef-…`; '' when empty/UNKNOWN or a whole licence text.
 * - `parseLicenseExpression(text)` / `renderLicense(node)`: the expression tree.
 * - `parseDep5Copyright(text)`: Debian `usr/share/doc/<pkg>/copyright` (DEP-5) → the AND of its `Files:`
 *   paragraphs' licences; `dep5PathFor(name)` is where dpkg puts it.
 * - `deniedLicenseMatcher(list)` + `isLicenseDenied(expression, matcher)`: denied when every OR alternative
 *   contains a denied licence.
 */
export { anyOfLicenses, normalizeLicense, parseLicenseExpression, renderLicense, licenseRef, type LicenseNode } from './expression.js';
export { parseDep5Copyright, dep5PathFor, type Dep5Licence } from './dep5.js';
export { deniedLicenseMatcher, isExpressionDenied, isLicenseDenied } from './policy.js';
