/**
 * UDP sink for bench/capture.ts: binds 127.0.0.1:<free port>, prints `READY <port>`, then blocks its
 * event loop for good so the socket is never read. Datagrams queue in the socket's receive buffer and
 * are dropped by the kernel once it is full — after the packet taps a capture reads from, so the
 * capture is unaffected — and, because the port is bound, no ICMP port-unreachable traffic is generated.
 * A sink costs no CPU however fast the senders go, unlike a reader.
 *
 * It exits on SIGTERM/SIGKILL (Node's default SIGTERM action, no handler runs on the blocked loop) and
 * by itself within half a second once its parent is gone.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';

const parent = process.ppid;

/** The live parent pid (process.ppid is fixed at start-up); a reparented sink sees its reaper's pid here. */
function currentParent(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    try {
      process.kill(parent, 0);
      return parent;
    } catch {
      return -1;
    }
  }
}
const socket = dgram.createSocket('udp4');
socket.on('error', (error) => {
  fs.writeSync(2, `capture-sink: ${error.message}\n`);
  process.exit(1);
});
socket.bind(0, '127.0.0.1', () => {
  fs.writeSync(1, `READY ${socket.address().port}\n`);
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    Atomics.wait(cell, 0, 0, 500);
    if (currentParent() !== parent) process.exit(0);
  }
});
