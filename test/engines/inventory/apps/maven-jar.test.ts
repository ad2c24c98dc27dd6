import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mavenJarExtractor } from '../../../../src/engines/inventory/apps/maven-jar.js';
import { FIXTURES, fileInfo, inputFromBytes, inputFromFile } from './helpers.js';

/** Up to `limit` jars of a local Maven repository, with the coordinates its layout gives them. */
function localRepositoryJars(limit: number): Array<{ file: string; coordinate: string }> {
  const root = join(homedir(), '.m2', 'repository');
  if (!existsSync(root)) return [];
  const jars: Array<{ file: string; coordinate: string }> = [];
  const visit = (dir: string, parts: string[], depth: number): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (jars.length >= limit || depth > 12) return;
      if (entry.isDirectory()) visit(join(dir, entry.name), [...parts, entry.name], depth + 1);
      else if (entry.name.endsWith('.jar') && parts.length >= 3) {
        const [artifact, version] = parts.slice(-2);
        if (entry.name === `${artifact}-${version}.jar`) jars.push({ file: join(dir, entry.name), coordinate: `${parts.slice(0, -2).join('.')}:${artifact}@${version}` });
      }
    }
  };
  visit(root, [], 0);
  return jars;
}

const python = spawnSync('python3', ['--version']).status === 0;

describe('Maven archive extractor', { skip: python ? false : 'python3 (to build the jars) not available' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'gp-jars-'));
  before(() => {
    const run = spawnSync('python3', [join(FIXTURES, 'maven', 'make-jars.py'), dir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const extract = (name: string) => mavenJarExtractor.extract(inputFromFile(dir, join(dir, name)));

  it('reads pom.properties of the jar and of nested jars two levels deep, with nested locations', async () => {
    const found = (await extract('app.jar')).map((p) => `${p.name}@${p.version} in ${p.location}`).sort();
    assert.deepEqual(found, [
      'com.example:app@1.0.0 in app.jar',
      'com.google.guava:guava@32.1.2-jre in app.jar!/BOOT-INF/lib/guava-32.1.2-jre.jar',
      'org.apache.commons:commons-lang3@3.12.0 in app.jar!/WEB-INF/lib/commons-lang3-3.12.0.jar',
      'org.deep:deep@2.0.1 in app.jar!/BOOT-INF/lib/guava-32.1.2-jre.jar!/lib/deep.jar',
    ]);
    const packages = await extract('app.jar');
    assert.ok(packages.every((p) => p.ecosystem === 'Maven' && p.kind === 'app' && p.extractor === 'java/archive'));
  });

  it('refuses a zip bomb with a clear error', async () => {
    await assert.rejects(extract('bomb.jar'), /^Error: bomb\.jar: zip entry BOOT-INF\/lib\/zeros\.jar expands \d+:1, a likely zip bomb$/);
  });

  it('refuses an entry that inflates past its declared size', async () => {
    await assert.rejects(extract('liar.jar'), /liar\.jar: zip entry META-INF\/maven\/com\.example\/liar\/pom\.properties does not inflate to its declared 100 bytes/);
  });

  it('refuses a central directory claiming too many entries, and files that are not zips', async () => {
    await assert.rejects(extract('many.jar'), /many\.jar: zip has 60000 entries, more than the limit of 50000/);
    await assert.rejects(extract('garbage.jar'), /garbage\.jar: not a zip archive/);
    await assert.rejects(mavenJarExtractor.extract(inputFromBytes('tiny.jar', 'PK')), /tiny\.jar: not a zip archive \(too short\)/);
    const truncated = (await inputFromFile(dir, join(dir, 'app.jar')).read()).subarray(0, 1500);
    await assert.rejects(mavenJarExtractor.extract(inputFromBytes('cut.jar', truncated)), /cut\.jar: not a zip archive/);
  });

  it('wants jar, war and ear files only', () => {
    for (const path of ['opt/app/app.jar', 'srv/ROOT.war', 'srv/app.EAR']) assert.equal(mavenJarExtractor.fileRequired(fileInfo(path)), true, path);
    for (const path of ['opt/app/app.jar.sha1', 'opt/app/pom.xml', 'opt/app/jarfile']) assert.equal(mavenJarExtractor.fileRequired(fileInfo(path)), false, path);
  });

  const local = localRepositoryJars(150);
  it('reads the real jars of the local Maven repository as Maven built them', { skip: local.length ? false : 'no ~/.m2 repository here' }, async () => {
    let withProperties = 0;
    for (const jar of local) {
      const packages = await mavenJarExtractor.extract(inputFromFile('/', jar.file));
      if (packages.length === 0) continue; // built without pom.properties
      withProperties++;
      // A shaded jar carries only the poms of what it shaded in; every other jar carries its own.
      if (!jar.file.includes('shade') && !jar.file.includes('shared-utils')) {
        assert.ok(packages.some((p) => `${p.name}@${p.version}` === jar.coordinate), `${jar.file}: ${packages.map((p) => p.name).join(', ')}`);
      }
    }
    assert.ok(withProperties > 0);
  });
});
