import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { summarizeCaptureFile } from '../../../src/engines/capture/pcap-reader.js';
import type { CaptureRule } from '../../../src/engines/capture/rule.js';
import { runCapture, type CaptureTool } from '../../../src/engines/capture/runner.js';
import { tempDir } from '../../helpers/db.js';
import { createNetnsPair, IF_A, netnsUnavailableReason, sendUdp, tcpdumpCount, type NetnsPair } from '../../helpers/netns.js';

/**
 * A stop that comes right after the last packet keeps every packet the tool had received: the tool is
 * given time to flush before it is signalled, and the file is read after it exited. 200 UDP datagrams
 * from namespace B to A, captured on A's veth, stopped as soon as the sender is done.
 */

const unavailable = netnsUnavailableReason();
const COUNT = 200;

describe('stopping right after traffic loses no packets', { skip: unavailable ?? false }, () => {
  let pair: NetnsPair | undefined;
  let work = '';

  before(async () => {
    work = tempDir('gp-stop-flush-');
    pair = await createNetnsPair('sf', 61);
  });

  after(async () => {
    await pair?.destroy();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  for (const tool of ['dumpcap', 'tcpdump'] as CaptureTool[]) {
    it(`${tool}: ${COUNT} packets sent, stopped at once, ${COUNT} in the pcap`, { timeout: 60_000 }, async () => {
      const p = pair!;
      for (const round of [1, 2, 3]) {
        const port = 41_000 + round;
        const rule: CaptureRule = {
          source: { address: p.v4B, address_type: 0 }, destination: { address: p.v4A, address_type: 0 }, protocol: 17, source_port: '', dest_port: String(port),
        };
        const file = path.join(work, `${tool}-${round}.pcap`);
        const stop = new AbortController();
        let started: () => void = () => undefined;
        const capturing = new Promise<void>((resolve) => { started = resolve; });
        const result = runCapture({
          interface: IF_A, netns: p.nsA, rule, maxPackets: 10_000, durationSeconds: 60, outputFile: file, tool, signal: stop.signal,
          onStarted: () => started(),
        });
        await Promise.race([capturing, result]);
        await sendUdp(p, 'b', p.v4A, port, COUNT, `flush${round}`, 0);
        stop.abort();
        const r = await result;
        assert.equal(r.stopReason, 'user_stop', r.detail);
        assert.equal(r.packets, COUNT, `round ${round}: packets in the result`);
        assert.equal((await summarizeCaptureFile(file)).packets, COUNT, `round ${round}: packets in the file`);
        assert.equal(await tcpdumpCount(fs.readFileSync(file), work), COUNT);
      }
    });
  }
});
