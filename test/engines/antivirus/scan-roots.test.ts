import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { describe, it } from 'node:test';
import { hostFullScanRoots, hostQuickScanRoots, runningExecutables } from '../../../src/engines/antivirus/host-roots.js';
import { fullScanRoots, homeDirsFromPasswd, normalizeRoots, processExecutables, QUICK_SCAN_PATHS, quickScanRoots } from '../../../src/engines/antivirus/scan-roots.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'sync:x:4:65534:sync:/bin:/bin/sync',
  'alice:x:1000:1000:Alice:/home/alice:/bin/bash',
  'svc:x:998:998::/opt/svc:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  'broken line',
  'www:x:33:33:www:/var/www:/bin/false',
].join('\n');

const MOUNTS = [
  '/dev/vda1 / ext4 rw,relatime 0 0',
  'proc /proc proc rw,nosuid 0 0',
  'sysfs /sys sysfs rw 0 0',
  'tmpfs /sys/fs/cgroup tmpfs ro 0 0',
  'cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0',
  'devtmpfs /dev devtmpfs rw 0 0',
  'devpts /dev/pts devpts rw 0 0',
  'tmpfs /dev/shm tmpfs rw 0 0',
  'tmpfs /run tmpfs rw 0 0',
  '/dev/vda2 /home xfs rw 0 0',
  '/dev/vdb1 /srv/data\\040disk ext4 rw 0 0',
  'server:/export /mnt/nfs nfs4 rw 0 0',
  '//nas/share /mnt/smb cifs rw 0 0',
  'sshfs#me@h: /mnt/ssh fuse.sshfs rw 0 0',
  'overlay /var/lib/docker/overlay2/abc/merged overlay rw 0 0',
  'binfmt_misc /proc/sys/fs/binfmt_misc binfmt_misc rw 0 0',
  '/dev/vda1 / ext4 rw,relatime 0 0',
].join('\n');

describe('scan roots', () => {
  it('home directories of login accounts only', () => {
    assert.deepEqual(homeDirsFromPasswd(PASSWD), ['/root', '/home/alice', '/opt/svc']);
  });

  it('running executables: deleted images and relative names are dropped', () => {
    assert.deepEqual(processExecutables(['/usr/bin/node', '/tmp/.x/miner (deleted)', 'bash', '/opt/svc//bin/svc']), ['/usr/bin/node', '/opt/svc/bin/svc']);
  });

  it('quick scan: the documented places, homes and process executables, nested roots dropped', () => {
    const roots = quickScanRoots({ passwd: PASSWD, exeTargets: ['/usr/bin/sshd', '/tmp/payload', '/home/alice/bin/tool', '/dev/shm/x (deleted)'] });
    for (const p of ['/tmp', '/var/tmp', '/dev/shm', '/root', '/home', '/etc/cron.d', '/var/spool/cron', '/etc/systemd/system', '/usr/local/bin', '/var/www', '/opt/svc', '/usr/bin/sshd']) {
      assert.ok(roots.includes(p), `${p} in ${roots.join(' ')}`);
    }
    assert.ok(!roots.includes('/tmp/payload'), 'inside /tmp');
    assert.ok(!roots.includes('/home/alice'), 'inside /home');
    assert.ok(!roots.includes('/home/alice/bin/tool'));
    assert.deepEqual(roots, [...roots].sort());
    assert.equal(new Set(roots).size, roots.length);
    assert.ok(QUICK_SCAN_PATHS.length > 10);
  });

  it('normalizeRoots keeps / alone when / is a root', () => {
    assert.deepEqual(normalizeRoots(['/a/b', '/', '/c/']), ['/']);
    assert.deepEqual(normalizeRoots(['/a/b/', '/a', '/ab']), ['/a', '/ab']);
  });

  it('full scan: every local filesystem, no pseudo, network or /proc|/sys|/dev mounts except /dev/shm', () => {
    assert.deepEqual(fullScanRoots(MOUNTS), ['/', '/dev/shm', '/home', '/run', '/srv/data disk', '/var/lib/docker/overlay2/abc/merged']);
  });
});

describe('scan roots of this host', () => {
  it('quick roots include this process executable and /tmp; full roots include / and no /proc', async () => {
    const quick = await hostQuickScanRoots();
    assert.ok(quick.includes('/tmp'));
    assert.ok(quick.includes('/root'));
    const exe = realpathSync(process.execPath);
    assert.ok((await runningExecutables()).includes(exe), exe);
    assert.ok(quick.some((r) => r === exe || exe.startsWith(`${r}/`)), `${exe} covered by ${quick.join(' ')}`);
    const full = await hostFullScanRoots();
    assert.ok(full.includes('/'), full.join(' '));
    assert.ok(!full.some((r) => r === '/proc' || r.startsWith('/proc/') || r.startsWith('/sys')));
  });
});
