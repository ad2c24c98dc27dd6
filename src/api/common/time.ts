import { Type } from 'typebox';

/** HSS times are epoch milliseconds (int64); CFW dates are `YYYY/MM/DD HH:mm:ss` strings. */
export const EpochMs = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });

const pad = (n: number) => String(n).padStart(2, '0');

/** CFW dates in the server's local time zone (set TZ to choose it). */
export function formatCfwDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
