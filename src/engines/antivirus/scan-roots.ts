import path from 'node:path';

/**
 * Where quick and full scans look, as pure functions of what the host shows (passwd, process
 * executables, /proc/mounts), so they can be tested on fixtures.
 */

/** Where malware lands on Linux: scratch space, autostart (cron, systemd, init), local binaries, web roots. */
export const QUICK_SCAN_PATHS: readonly string[] = [
  '/tmp', '/var/tmp', '/dev/shm',
  '/root', '/home',
  '/etc/crontab', '/etc/cron.d', '/etc/cron.hourly', '/etc/cron.daily', '/etc/cron.weekly', '/etc/cron.monthly', '/var/spool/cron',
  '/etc/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system', '/run/systemd/system', '/etc/init.d', '/etc/rc.local',
  '/etc/ld.so.preload', '/etc/profile.d',
  '/usr/local/bin', '/usr/local/sbin',
  '/var/www', '/srv', '/usr/share/nginx/html', '/var/lib/tomcat/webapps', '/opt/lampp/htdocs',
];

/** Home directories of login accounts (shell not nologin/false) from /etc/passwd text. */
export function homeDirsFromPasswd(passwd: string): string[] {
  const homes: string[] = [];
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 7) continue;
    const home = fields[5] as string;
    const shell = (fields[6] as string).trim();
    if (!path.isAbsolute(home) || home === '/' || /(nologin|false|sync|halt|shutdown)$/.test(shell)) continue;
    homes.push(path.normalize(home));
  }
  return homes;
}

/**
 * Executables of running processes, from `/proc/PID/exe` link targets. A target marked " (deleted)"
 * has no path left to open and is dropped (a known gap: the running image is not scanned).
 */
export function processExecutables(exeTargets: readonly string[]): string[] {
  return exeTargets.filter((t) => path.isAbsolute(t) && !t.endsWith(' (deleted)')).map((t) => path.normalize(t));
}

/** Sorted, deduplicated roots with every root inside another root dropped (the walk covers it). */
export function normalizeRoots(roots: readonly string[]): string[] {
  const sorted = [...new Set(roots.map((r) => path.normalize(r).replace(/(.)\/+$/, '$1')))].sort();
  const kept: string[] = [];
  for (const root of sorted) {
    if (kept.some((k) => k === '/' || root.startsWith(`${k}/`))) continue;
    kept.push(root);
  }
  return kept;
}

export function quickScanRoots(input: { passwd: string; exeTargets: readonly string[] }): string[] {
  return normalizeRoots([...QUICK_SCAN_PATHS, ...homeDirsFromPasswd(input.passwd), ...processExecutables(input.exeTargets)]);
}

/** Filesystem types that hold no files of their own (kernel interfaces) or live on another host. */
export const PSEUDO_FILESYSTEMS = new Set([
  'proc', 'sysfs', 'devtmpfs', 'devpts', 'cgroup', 'cgroup2', 'securityfs', 'debugfs', 'tracefs', 'pstore', 'bpf',
  'configfs', 'fusectl', 'mqueue', 'hugetlbfs', 'autofs', 'binfmt_misc', 'efivarfs', 'rpc_pipefs', 'nsfs', 'selinuxfs',
  'nfsd', 'ramfs', 'fuse.gvfsd-fuse', 'fuse.portal', 'fuse.lxcfs',
]);
export const NETWORK_FILESYSTEMS = new Set([
  'nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'ceph', 'glusterfs', 'fuse.glusterfs', 'fuse.sshfs', 'sshfs', '9p', 'afs',
  'lustre', 'davfs', 'fuse.davfs2', 'fuse.s3fs', 'fuse.rclone', 'ncpfs', 'coda', 'gfs2', 'ocfs2', 'fuse.cephfs', 'virtiofs',
]);

/** Decodes the octal escapes /proc/mounts uses for space, tab, newline and backslash. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * Mount points of every local filesystem in /proc/mounts text: pseudo and network filesystems are left
 * out, and so is anything mounted below /proc, /sys or /dev (except /dev/shm). Each root is walked
 * without crossing into other filesystems, so nested mounts stay separate roots.
 */
export function fullScanRoots(procMounts: string): string[] {
  const roots = new Set<string>();
  for (const line of procMounts.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3) continue;
    const mountPoint = unescapeMountPath(fields[1] as string);
    const fsType = fields[2] as string;
    if (PSEUDO_FILESYSTEMS.has(fsType) || NETWORK_FILESYSTEMS.has(fsType)) continue;
    if (/^\/(proc|sys)(\/|$)/.test(mountPoint)) continue;
    if (/^\/dev(\/|$)/.test(mountPoint) && !/^\/dev\/shm(\/|$)/.test(mountPoint)) continue;
    roots.add(mountPoint);
  }
  return [...roots].sort();
}
