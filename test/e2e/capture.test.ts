import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { formatCaptureSize } from '../../src/families/capture/domain.js';
import { compileRuleMatcher } from '../../src/engines/capture/match.js';
import { tempDir } from '../helpers/db.js';
import { projectToken } from '../helpers/http.js';
import {
  assertFinishedRecord, captureBody, CfwClient, closeTestServer, teardown, createNetnsPair, describePacket, download, netnsUnavailableReason, parsePcap, ruleOf, ping, sendUdp, sha256,
  sleep, startAgentProcess, startTcpServer, TCP, tcpConnections, tcpdumpCount, runBounded,
  type AgentProcess, type CaptureRecordVO, type CaptureSpec, type NetnsPair, type PcapPacket,
} from '../helpers/netns.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * CFW packet capture end to end: the real server in-process, a real `guardpost agent` process whose
 * firewall captures on veth-a inside a private network namespace, real TCP / UDP / ICMP / ICMPv6
 * traffic in known amounts from the peer namespace, the pcap fetched through ListCaptureResult and
 * the access-coded link, and read back with the engine's reader and with tcpdump.
 */

const unavailable = netnsUnavailableReason();

describe('CFW capture end to end (real agent capturing in a network namespace)', { skip: unavailable ?? false }, () => {
  let pair: NetnsPair | undefined;
  let ts: TestServer | undefined;
  let agent: AgentProcess | undefined;
  let tcpServer: { stop(): void } | undefined;
  let cfw: CfwClient;
  let fw = '';
  let work = '';
  const agentName = `sensor-${process.pid}`;
  const latencies: Array<{ name: string; runningMs: number }> = [];
  const done: Array<{ spec: CaptureSpec; record: CaptureRecordVO }> = [];

  before(async () => {
    work = tempDir('gp-capture-e2e-');
    pair = await createNetnsPair('ce', 1);
    ts = await startTestServer({ env: { GUARDPOST_JOB_LEASE_SECONDS: '10' } });
    const token = await projectToken(ts.endpoint, ts.credentials);
    cfw = new CfwClient(ts.endpoint, ts.credentials.project_id, token);
    const { token: enrollToken } = await ts.server.ctx.agents.createEnrollmentToken({ projectId: ts.credentials.project_id, maxUses: 1 });
    agent = await startAgentProcess({ endpoint: ts.endpoint, enrollToken, captureInterface: pair.captureInterface, name: agentName, workDir: work });
    fw = agent.hostId;
    tcpServer = await startTcpServer(pair, 'a', pair.v4A, [7001, 7002, 8001]);
  });

  after(async () => {
    if (latencies.length > 0) {
      const ms = latencies.map((l) => l.runningMs);
      console.log(`# create→capturing latency over ${ms.length} captures: min ${Math.min(...ms)} ms, max ${Math.max(...ms)} ms, ` +
        `mean ${Math.round(ms.reduce((a, b) => a + b, 0) / ms.length)} ms`);
    }
    await teardown(
      () => tcpServer?.stop(),
      () => agent?.stop(),
      () => pair?.destroy(),
      () => ts && closeTestServer(ts),
      () => work && fs.rmSync(work, { recursive: true, force: true }),
    );
  });

  /** Waits until the capture tool runs, sends the traffic, ends the capture, fetches and checks the pcap. */
  async function runCase(options: {
    spec: CaptureSpec; expected: number; end: 'packet_limit' | 'user_stop'; traffic: () => Promise<void>; check: (packets: PcapPacket[]) => void;
  }): Promise<{ record: CaptureRecordVO; packets: PcapPacket[]; pcap: Buffer }> {
    const { spec } = options;
    const createdAt = Date.now();
    const created = await cfw.create(fw, captureBody(spec));
    assert.equal(created.status, 200, created.text);
    // CFW answers with the firewall's id and name (the task is found by name, as Terraform does).
    assert.equal(created.body.data.id, fw);
    assert.equal(created.body.data.name, agentName);
    await cfw.waitCapturing(fw, spec.name);
    const runningMs = Date.now() - createdAt;
    latencies.push({ name: spec.name, runningMs });
    console.log(`# ${spec.name}: create→capturing ${runningMs} ms`);
    await sleep(300);
    await options.traffic();

    let record: CaptureRecordVO;
    if (options.end === 'packet_limit') {
      record = await cfw.waitRecord(fw, spec.name, 'the end', (r) => r.status !== 2 && r.status !== 5, 20_000);
      assert.equal(record.status, 1, JSON.stringify(record));
      assert.equal(record.stop_reason, 'packet_limit');
    } else {
      await sleep(1000);
      const before = await cfw.record(fw, spec.name);
      assert.equal(before?.status, 2, `still running before the stop: ${JSON.stringify(before)}`);
      const stopped = await cfw.stop(fw, before.task_id);
      assert.equal(stopped.status, 200, stopped.text);
      record = await cfw.waitRecord(fw, spec.name, 'the stop', (r) => r.status === 4, 20_000);
      assert.equal(record.stop_reason, 'user_stop');
    }
    assert.equal(record.packets, options.expected, `packets in the record: ${JSON.stringify(record)}`);
    assertFinishedRecord(record, spec);

    const result = await cfw.result(fw, record.task_id);
    assert.equal(result.status, 200, result.text);
    const { url, captcha, expires } = result.body.data;
    assert.ok(url && captcha, result.text);
    assert.match(captcha, /^\d{6}$/);
    assert.equal(expires, 30);
    assert.equal(result.body.data.file_list, undefined);
    const viaQuery = await download(url, { code: captcha, via: 'query' });
    assert.equal(viaQuery.status, 200, viaQuery.body.toString());
    assert.equal(viaQuery.headers.get('content-type'), 'application/vnd.tcpdump.pcap');
    assert.equal(viaQuery.headers.get('x-content-sha256'), sha256(viaQuery.body));
    assert.match(viaQuery.headers.get('content-disposition') ?? '', /^attachment; filename="[A-Za-z0-9._-]+\.pcap"$/);
    const viaHeader = await download(url, { code: captcha, via: 'header' });
    assert.equal(viaHeader.status, 200);
    assert.ok(viaHeader.body.equals(viaQuery.body), 'both ways of giving the code serve the same file');
    const pcap = viaQuery.body;
    assert.equal(record.capture_size, formatCaptureSize(pcap.length));

    const { packets, summary } = parsePcap(pcap);
    assert.equal(summary.format, 'pcap');
    assert.equal(summary.truncated, false);
    assert.deepEqual(summary.linktypes, [1]);
    const listing = packets.map(describePacket).join('\n');
    assert.equal(packets.length, options.expected, `exact packet count; captured:\n${listing}`);
    const matches = compileRuleMatcher(ruleOf(spec));
    for (const p of packets) assert.ok(matches(p), `a packet outside the rule was captured: ${describePacket(p)}\nall:\n${listing}`);
    for (const p of packets) assert.ok(p.ts >= createdAt, 'no packet predates the task');
    options.check(packets);
    assert.equal(await tcpdumpCount(pcap, work), options.expected, 'tcpdump -r sees the same number of packets');
    done.push({ spec, record });
    return { record, packets, pcap };
  }

  it('lists the agent as a firewall instance (ListFirewallDetail)', async () => {
    const res = await cfw.firewalls();
    assert.equal(res.status, 200, res.text);
    const record = res.body.data.records.find((r) => r.fw_instance_id === fw);
    assert.ok(record, res.text);
    assert.equal(record.name, agentName);
    assert.equal(record.agent_status, 'online');
    assert.deepEqual(record.capture_interfaces, [pair!.captureInterface]);
    assert.equal(record.agent_id, agent!.agentId);
    assert.equal(typeof record.status, 'number');
  });

  it('ICMP only (IPv4): exactly the echo requests from B, with UDP and replies going past', { timeout: 60_000 }, async () => {
    const p = pair!;
    await runCase({
      spec: { name: 'icmp-only', protocol: 1, src: p.v4B, dst: p.v4A, maxPackets: 5 },
      expected: 5, end: 'packet_limit',
      traffic: async () => {
        await Promise.all([ping(p, 'b', p.v4A, 5), sendUdp(p, 'b', p.v4A, 5001, 5, 'noise', 100)]);
      },
      check: (packets) => {
        assert.deepEqual(packets.map((x) => x.icmpType), [8, 8, 8, 8, 8], 'echo requests only');
        assert.deepEqual(packets.map((x) => x.icmpSeq), [1, 2, 3, 4, 5]);
      },
    });
  });

  it('UDP destination port (IPv4, any address): exact datagrams, other ports and IPv6 ignored', { timeout: 60_000 }, async () => {
    const p = pair!;
    await runCase({
      spec: { name: 'udp-dport', protocol: 17, destPort: '5000', maxPackets: 6 },
      expected: 6, end: 'packet_limit',
      traffic: async () => {
        await Promise.all([
          sendUdp(p, 'b', p.v4A, 5001, 6, 'other', 30),
          sendUdp(p, 'b', p.v6A, 5000, 4, 'six', 30),
          sendUdp(p, 'b', p.v4A, 5000, 6, 'udp', 45),
          ping(p, 'b', p.v4A, 3),
        ]);
      },
      check: (packets) => {
        assert.deepEqual(packets.map((x) => x.payload), ['udp-0', 'udp-1', 'udp-2', 'udp-3', 'udp-4', 'udp-5']);
        for (const x of packets) assert.equal(x.dstPort, 5000);
      },
    });
  });

  it('TCP destination port range: 4 packets per connection into the range, none to other ports', { timeout: 60_000 }, async () => {
    const p = pair!;
    await runCase({
      spec: { name: 'tcp-range', protocol: 6, src: p.v4B, dst: p.v4A, destPort: '7000-7010', maxPackets: 8 },
      expected: 8, end: 'packet_limit',
      traffic: async () => {
        await Promise.all([tcpConnections(p, 'b', p.v4A, [7001, 8001, 7002]), sendUdp(p, 'b', p.v4A, 7005, 3, 'udp-in-range', 50)]);
      },
      check: (packets) => {
        for (const port of [7001, 7002]) {
          const flow = packets.filter((x) => x.dstPort === port);
          assert.equal(flow.length, 4, `4 packets to ${port}`);
          const flags = flow.map((x) => x.tcpFlags ?? 0);
          assert.equal(flags[0], TCP.SYN, 'SYN');
          assert.equal(flags[1], TCP.ACK, 'handshake ACK');
          assert.ok((flags[2]! & TCP.PSH) !== 0 && flow[2]!.payload === `hello-${port}`, 'the data segment');
          assert.ok((flags[3]! & TCP.RST) !== 0, 'RST');
        }
      },
    });
  });

  it('ICMPv6 (IPv6 hosts): exactly the echo requests from B', { timeout: 60_000 }, async () => {
    const p = pair!;
    await runCase({
      spec: { name: 'icmpv6', addressType: 1, protocol: 58, src: p.v6B, dst: p.v6A, maxPackets: 4 },
      expected: 4, end: 'packet_limit',
      traffic: async () => {
        await Promise.all([ping(p, 'b', p.v6A, 4), sendUdp(p, 'b', p.v6A, 5001, 3, 'noise6', 100), ping(p, 'b', p.v4A, 2)]);
      },
      check: (packets) => {
        for (const x of packets) assert.equal(x.family, 6);
        assert.deepEqual(packets.map((x) => x.icmpType), [128, 128, 128, 128]);
        assert.deepEqual(packets.map((x) => x.icmpSeq), [1, 2, 3, 4]);
      },
    });
  });

  it('UDP over IPv6 with a source CIDR and a destination port range', { timeout: 60_000 }, async () => {
    const p = pair!;
    await runCase({
      spec: { name: 'udp6-range', addressType: 1, protocol: 17, src: 'fd00:200::/64', dst: p.v6A, destPort: '5000-5001', maxPackets: 5 },
      expected: 5, end: 'packet_limit',
      traffic: async () => {
        await Promise.all([
          sendUdp(p, 'b', p.v6A, 5002, 3, 'out', 30),
          sendUdp(p, 'b', p.v4A, 5000, 3, 'four', 30),
          sendUdp(p, 'b', p.v6A, 5000, 3, 'a', 60),
          sendUdp(p, 'b', p.v6A, 5001, 2, 'b', 90),
        ]);
      },
      check: (packets) => {
        assert.deepEqual(packets.filter((x) => x.dstPort === 5000).map((x) => x.payload), ['a-0', 'a-1', 'a-2']);
        assert.deepEqual(packets.filter((x) => x.dstPort === 5001).map((x) => x.payload), ['b-0', 'b-1']);
      },
    });
  });

  it('source host, any protocol, no packet cap: the exact IPv4 packets from B until the user stops', { timeout: 60_000 }, async () => {
    const p = pair!;
    await runCase({
      spec: { name: 'src-host-any', protocol: -1, src: p.v4B, maxPackets: 1000 },
      expected: 7, end: 'user_stop',
      traffic: async () => {
        await Promise.all([ping(p, 'b', p.v4A, 3), sendUdp(p, 'b', p.v4A, 5003, 4, 'any', 60), ping(p, 'b', p.v6A, 2)]);
      },
      check: (packets) => {
        assert.equal(packets.filter((x) => x.protocol === 1 && x.icmpType === 8).length, 3);
        assert.deepEqual(packets.filter((x) => x.protocol === 17).map((x) => x.payload), ['any-0', 'any-1', 'any-2', 'any-3']);
        for (const x of packets) assert.equal(x.src, p.v4B);
      },
    });
  });

  it('measures create→first packet with traffic already flowing', { timeout: 60_000 }, async () => {
    const p = pair!;
    // 0.05 s ping interval for at most 4 s (80 requests), already running when the task is created.
    const pinger = p.exec('b', ['ping', '-n', '-q', '-c', '80', '-i', '0.05', '-w', '6', p.v4A], 15_000);
    await sleep(300);
    const spec: CaptureSpec = { name: 'latency', protocol: 1, src: p.v4B, dst: p.v4A, maxPackets: 10 };
    const createdAt = Date.now();
    const created = await cfw.create(fw, captureBody(spec));
    assert.equal(created.status, 200, created.text);
    const record = await cfw.waitRecord(fw, spec.name, 'the end', (r) => r.status !== 2 && r.status !== 5, 20_000, 25);
    assert.equal(record.status, 1, JSON.stringify(record));
    assert.equal(record.packets, 10);
    const result = await cfw.result(fw, record.task_id);
    const file = await download(result.body.data.url!, { code: result.body.data.captcha! });
    const { packets } = parsePcap(file.body);
    assert.equal(packets.length, 10);
    const firstPacketMs = Math.round(packets[0]!.ts - createdAt);
    const job = (await ts!.server.ctx.tasks.jobsOfTask(record.task_id))[0]!;
    const jobResult = JSON.parse(job.result ?? '{}') as { started_at: number; first_packet_at: number };
    console.log(`# create→first captured packet: ${firstPacketMs} ms (create→claimed ${job.started_at! - createdAt} ms, ` +
      `create→tool started ${jobResult.started_at - createdAt} ms)`);
    assert.ok(firstPacketMs > 0 && firstPacketMs < 5000, `create→first packet took ${firstPacketMs} ms`);
    // Consecutive echo requests: nothing lost once capturing.
    const seqs = packets.map((x) => x.icmpSeq!);
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[0]! + i);
    const pinged = await pinger;
    assert.equal(pinged.code, 0, pinged.stdout + pinged.stderr);
  });

  it('ListCaptureTask: every task, newest first, paging, CFW formats', async () => {
    const all = await cfw.list(fw, 1024, 0);
    assert.equal(all.status, 200, all.text);
    const { data } = all.body;
    assert.equal(typeof data.total, 'number');
    assert.equal(data.total, done.length + 1);
    assert.equal(data.limit, 1024);
    assert.equal(data.offset, 0);
    assert.deepEqual(data.records.map((r) => r.name), ['latency', ...done.map((d) => d.spec.name).reverse()]);
    for (const { spec, record } of done) {
      const listed = data.records.find((r) => r.task_id === record.task_id)!;
      assertFinishedRecord(listed, spec);
      assert.equal(listed.status, record.stop_reason === 'user_stop' ? 4 : 1);
    }
    const page = await cfw.list(fw, 2, 1);
    assert.equal(page.status, 200);
    assert.equal(page.body.data.total, data.total);
    assert.deepEqual(page.body.data.records.map((r) => r.task_id), data.records.slice(1, 3).map((r) => r.task_id));
    const beyond = await cfw.list(fw, 10, 100);
    assert.deepEqual(beyond.body.data.records, []);
    assert.equal(beyond.body.data.total, data.total);
  });

  it('leaves no capture tool running in the namespace', async () => {
    const r = await runBounded(['ip', 'netns', 'pids', pair!.nsA], 5000);
    const pids = r.stdout.split(/\s+/).filter(Boolean);
    const comms = pids.map((pid) => { try { return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; } });
    assert.ok(!comms.some((c) => c === 'dumpcap' || c === 'tcpdump'), `capture tools left: ${comms.join(', ')}`);
  });
});
