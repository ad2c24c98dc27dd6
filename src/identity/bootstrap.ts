import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/database.js';
import { IdentityService } from './identity-service.js';
import { newHexId, newSecret, SecretBox } from './secrets.js';

export interface Credentials {
  domain_name: string; user_name: string; password: string; project_id: string; project_name: string;
  ak: string; sk: string; endpoint: string;
}

const KEY_CHECK = 'master_key_check';
const BOOTSTRAPPED = 'bootstrapped_at';

export function writeFileAtomic(file: string, content: string, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, content, { mode });
  fs.renameSync(temp, file);
  fs.chmodSync(file, mode);
}

/** The key that seals SKs: from GUARDPOST_MASTER_KEY (share it between replicas) or `$home/master.key`. */
export function loadMasterKey(home: string, fromEnv: string | undefined): SecretBox {
  if (fromEnv) return new SecretBox(fromEnv);
  const file = path.join(home, 'master.key');
  if (!fs.existsSync(file)) writeFileAtomic(file, `${SecretBox.generateKey()}\n`);
  return new SecretBox(fs.readFileSync(file, 'utf8').trim());
}

/** Refuses to start with a master key other than the one that sealed the stored secrets. */
export async function checkMasterKey(store: Store, box: SecretBox): Promise<void> {
  const read = () => store.db.selectFrom('settings').select('value').where('key', '=', KEY_CHECK).executeTakeFirst();
  let row = await read();
  if (!row) {
    await store.db.insertInto('settings').values({ key: KEY_CHECK, value: box.seal('guardpost') })
      .onConflict((oc) => oc.column('key').doNothing()).execute();
    // A replica starting at the same moment may have won the insert with another key: check what was stored.
    row = await read();
    if (!row) throw new Error('could not record the master key check');
  }
  try {
    if (box.open(row.value) === 'guardpost') return;
  } catch {
    // fall through to the error below
  }
  throw new Error('the master key does not match this database (set GUARDPOST_MASTER_KEY to the key the database was created with)');
}

export interface BootstrapOptions {
  home: string;
  endpoint: string;
  adminPassword?: string | undefined;
  domainName?: string | undefined;
  projectName?: string | undefined;
}

/**
 * First start: a domain, an `admin` user, one project, an AK/SK pair, written to credentials.json (0600).
 * Later starts change nothing except the endpoint recorded in the file.
 */
export async function bootstrap(store: Store, box: SecretBox, options: BootstrapOptions): Promise<Credentials | null> {
  const file = path.join(options.home, 'credentials.json');
  const done = await store.db.selectFrom('settings').select('value').where('key', '=', BOOTSTRAPPED).executeTakeFirst();
  if (done) {
    if (fs.existsSync(file)) {
      const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Credentials;
      if (saved.endpoint !== options.endpoint) writeFileAtomic(file, `${JSON.stringify({ ...saved, endpoint: options.endpoint }, null, 2)}\n`);
      return { ...saved, endpoint: options.endpoint };
    }
    return null;
  }
  const now = Date.now();
  const password = options.adminPassword || newSecret(18);
  const domainName = options.domainName || 'guardpost';
  const projectName = options.projectName || 'local-1';
  // One transaction: a crash leaves either nothing or everything; a concurrent replica loses the insert race.
  const created = await store.db.transaction().execute(async (trx) => {
    const claimed = await trx.insertInto('settings').values({ key: BOOTSTRAPPED, value: String(now) })
      .onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
    if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) return null;
    const ids = new IdentityService(trx, box, 0);
    const domainId = newHexId(16);
    await trx.insertInto('domains').values({ id: domainId, name: domainName, created_at: now }).execute();
    const userId = await ids.createUser(domainId, 'admin', password, now);
    const projectId = await ids.createProject(domainId, projectName, now);
    await ids.grantRole(userId, projectId, 'admin');
    return { projectId, ...(await ids.createAccessKey(userId, 'bootstrap key', now)) };
  });
  if (!created) return null;
  const { projectId, ak, sk } = created;
  const credentials: Credentials = {
    domain_name: domainName, user_name: 'admin', password, project_id: projectId, project_name: projectName,
    ak, sk, endpoint: options.endpoint,
  };
  writeFileAtomic(file, `${JSON.stringify(credentials, null, 2)}\n`);
  return credentials;
}
