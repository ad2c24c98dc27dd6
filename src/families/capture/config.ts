import { intFromEnv } from '../../config.js';

/** Capture settings, read from the environment when the family starts. */
export interface CaptureConfig {
  /** Days pcaps are kept (`remaining_days`). */
  retentionDays: number;
  /** Lifetime of a download link, in minutes (ListCaptureResult `expires`). */
  linkMinutes: number;
  /** `link` (url + captcha + expires) or `file_list` (file_list + request_header.Host). */
  resultMode: 'link' | 'file_list';
}

function resultModeFromEnv(raw: string | undefined): 'link' | 'file_list' {
  if (raw === undefined || raw === '' || raw === 'link') return 'link';
  if (raw === 'file_list') return 'file_list';
  throw new Error(`GUARDPOST_CAPTURE_RESULT_MODE must be "link" or "file_list", got "${raw}"`);
}

export function loadCaptureConfig(env: Readonly<NodeJS.ProcessEnv>): CaptureConfig {
  return {
    retentionDays: intFromEnv(env, 'GUARDPOST_CAPTURE_RETENTION_DAYS', 7),
    linkMinutes: intFromEnv(env, 'GUARDPOST_CAPTURE_LINK_MINUTES', 30),
    resultMode: resultModeFromEnv(env.GUARDPOST_CAPTURE_RESULT_MODE),
  };
}
