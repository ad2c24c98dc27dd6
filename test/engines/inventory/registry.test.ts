import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractors } from '../../../src/engines/inventory/extractors.js';
import { collectInventory } from '../../../src/engines/inventory/walk.js';
import { put, tempRoot } from './inventory-helpers.js';

describe('inventory registry', () => {
  it('holds the OS extractors, and collectInventory uses the registry by default', async () => {
    for (const name of ['os/dpkg', 'os/rpm', 'os/apk']) assert.ok(extractors.has(name), name);
    const { root, cleanup } = tempRoot();
    try {
      put(root, 'etc/os-release', 'ID=ubuntu\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\n');
      put(root, 'var/lib/dpkg/status', 'Package: bash\nStatus: install ok installed\nVersion: 5.1-6ubuntu1\n');
      const result = await collectInventory(root);
      assert.deepEqual(result.packages.map((p) => [p.name, p.ecosystem, p.extractor]), [['bash', 'Ubuntu:22.04:LTS', 'os/dpkg']]);
      assert.deepEqual(result.extractors.map((s) => s.name), extractors.all.map((e) => e.name));
    } finally {
      cleanup();
    }
  });
});
