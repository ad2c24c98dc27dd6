import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram, type CliCommand } from '../../src/cli/commands.js';
import { createProgram } from '../../src/cli/program.js';
import { tempDir } from '../helpers/db.js';
import { repoRoot } from '../helpers/server.js';
import { runCli } from './run-cli.js';

/** Every command and verb of the real program, as `[path, command]`. */
function allCommands(command: Command, prefix: string[] = []): Array<[string[], Command]> {
  return command.commands.flatMap((sub) => {
    const here = [...prefix, sub.name()];
    return [[here, sub] as [string[], Command], ...allCommands(sub, here)];
  });
}

describe('guardpost CLI: help, version, usage errors (built CLI as a child process)', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every command and verb has its own --help listing its arguments, options and verbs', async () => {
    const commands = allCommands(createProgram());
    assert.ok(commands.length > 30, `only ${commands.length} commands found`);
    for (const [names, command] of commands) {
      const { code, stdout, stderr } = await runCli([...names, '--help']);
      const label = `guardpost ${names.join(' ')} --help`;
      assert.equal(code, 0, `${label}: ${stderr}`);
      const usage = stdout.split('\n')[0]!;
      assert.ok(usage.startsWith(`Usage: guardpost ${names.join(' ')}`), `${label}: ${usage}`);
      for (const argument of command.registeredArguments) {
        const shown = `${argument.name()}${argument.variadic ? '...' : ''}`;
        assert.ok(usage.includes(argument.required ? `<${shown}>` : `[${shown}]`), `${label} shows argument ${shown}: ${usage}`);
        assert.match(stdout, new RegExp(`^  ${argument.name()} `, 'm'), `${label} describes argument ${shown}`);
      }
      for (const option of command.options) assert.ok(stdout.includes(option.long!), `${label} lists ${option.long}`);
      for (const sub of command.commands) assert.match(stdout, new RegExp(`^  ${sub.name()}\\b`, 'm'), `${label} lists verb ${sub.name()}`);
    }
  });

  it('spot checks: positionals and options where people look for them', async () => {
    assert.match((await runCli(['admin', 'quota', 'set', '--help'])).stdout, /^Usage: guardpost admin quota set \[options\] <name> <limit>$/m);
    assert.match((await runCli(['capture', 'delete', '--help'])).stdout, /^Usage: guardpost capture delete \[options\] <task-id\.\.\.>$/m);
    const create = (await runCli(['capture', 'create', '--help'])).stdout;
    for (const flag of ['--fw', '--name', '--src', '--dst', '--proto', '--sport', '--dport', '--duration', '--max-packets', '--wait']) {
      assert.ok(create.includes(flag), flag);
    }
    const agent = (await runCli(['agent', '--help'])).stdout;
    for (const flag of ['--server', '--enroll-token', '--state-dir', '--name', '--interfaces']) assert.ok(agent.includes(flag), flag);
    assert.match((await runCli(['admin', 'user', 'list', '--help'])).stdout, /--json/);
    assert.match((await runCli(['help', 'admin'])).stdout, /^Usage: guardpost admin/m);
  });

  it('--version and -V print the package.json version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await runCli([flag]);
      assert.equal(code, 0);
      assert.equal(stdout, `${version}\n`);
    }
  });

  it('unknown verbs and options, missing arguments and bad values: usage on stderr, exit code 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /^Usage: guardpost /m],
      [['frobnicate'], /guardpost: unknown command 'frobnicate'/],
      [['admin'], /^Usage: guardpost admin /m],
      [['admin', 'user', 'frobnicate'], /unknown command 'frobnicate'/],
      [['admin', 'user', 'list', '--bogus'], /unknown option '--bogus'/],
      [['admin', 'user', 'create'], /missing required argument 'name'/],
      [['admin', 'role', 'grant'], /required option '--user <name>' not specified/],
      [['admin', 'user', 'create', 'x', '--role', 'root'], /Allowed choices are admin, readonly/],
      [['admin', 'enroll-token', 'create', '--max-uses', '0'], /'0' is invalid/],
      [['admin', 'quota', 'set', 'agents', 'many'], /'many' is invalid/],
      [['admin', 'quota', 'set', 'no.such.quota', '5'], /'no\.such\.quota' is invalid for argument 'name'\. unknown quota/],
      [['admin', 'user', 'create', 'x', '--enterprise-projects', ','], /needs at least one id, or "all"/],
      [['capture', 'create', '--name', 'x', '--src', '10.0.0.1', '--dst', '10.0.0.2', '--proto', 'bogus'], /'bogus' is invalid/],
      [['capture', 'create', '--name', 'x'], /required option '--src <address>' not specified/],
      [['capture', 'download', 'task-1'], /required option '-o, --output <file>' not specified/],
      [['start', '--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await runCli(args);
      assert.equal(code, 2, `guardpost ${args.join(' ')}: exit ${code}\n${stderr}`);
      assert.match(stderr, message, `guardpost ${args.join(' ')}`);
      assert.match(stderr, /Usage: guardpost/, `guardpost ${args.join(' ')} shows usage`);
      assert.equal(stdout, '', `guardpost ${args.join(' ')} printed to stdout`);
    }
  });

  it('runtime failures: "guardpost: <message>" on stderr, exit code 1', async () => {
    const home = tempDir('gp-cli-');
    dirs.push(home);
    const { code, stderr } = await runCli(['capture', 'firewalls'], { GUARDPOST_HOME: home, GUARDPOST_ENDPOINT: '', GUARDPOST_AK: '' });
    assert.equal(code, 1);
    assert.match(stderr, /^guardpost: no credentials: /);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  });

  it('bin/guardpost.js in a clone that was not built yet says what to run, exit code 1', async () => {
    const clone = tempDir('gp-clone-');
    dirs.push(clone);
    fs.mkdirSync(path.join(clone, 'bin'));
    fs.copyFileSync(path.join(repoRoot, 'bin', 'guardpost.js'), path.join(clone, 'bin', 'guardpost.js'));
    fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(clone, 'package.json'));
    const { code, stdout, stderr } = await runCli(['--help'], {}, path.join(clone, 'bin', 'guardpost.js'));
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(stderr, 'guardpost: not built yet — run "npm ci && npm run build" (or "npm start") first\n');
  });

  it('the registry refuses a command registered twice, and one that registers another name', () => {
    const fake = (name: string, registers = name): CliCommand => ({ name, summary: `the ${name} command`, register: (p) => { p.command(registers); } });
    assert.throws(() => buildProgram([fake('vul'), fake('av'), fake('vul')], { version: '0' }), /"vul" is registered twice/);
    assert.throws(() => buildProgram([fake('image', 'images')], { version: '0' }), /must register exactly one command of that name/);
    const program = buildProgram([fake('vul'), fake('av')], { version: '0' });
    assert.deepEqual(program.commands.map((c) => [c.name(), c.summary()]), [['vul', 'the vul command'], ['av', 'the av command']]);
  });
});
