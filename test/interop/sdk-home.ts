/**
 * Imported first by the SDK interop tests: the Huawei SDK core writes ~/.huaweicloud/application_id when it builds
 * its User-Agent, so HOME must point at a temporary directory before any SDK module is evaluated.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const sdkHome = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-sdk-home-'));
process.env.HOME = sdkHome;
