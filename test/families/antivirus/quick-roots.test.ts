import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readAgentOptions } from '../../../src/cli/agent-options.js';
import { quickRootsFor } from '../../../src/families/antivirus/quick-roots.js';

describe('--av-quick-roots', () => {
  test('replaces the built-in quick roots when given; absolute directories without ".." only', async () => {
    assert.deepEqual(await quickRootsFor({ 'av-quick-roots': '/srv/a;/srv/b/;/srv/a' }), ['/srv/a', '/srv/b']);
    const builtIn = await quickRootsFor({});
    assert.ok(builtIn.includes('/tmp') && builtIn.includes('/usr/local/bin'), builtIn.join(' '));
    assert.match(String(readAgentOptions({ 'av-quick-roots': 'tmp' }, {}, false)), /--av-quick-roots entry "tmp" is not an absolute path/);
    assert.match(String(readAgentOptions({}, { GUARDPOST_AV_QUICK_ROOTS: '/a/../b' }, false)), /contains "\.\."/);
    assert.equal(typeof readAgentOptions({ 'av-quick-roots': '/tmp;/home' }, {}, false), 'object');
  });
});
