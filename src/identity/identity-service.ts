import type { Kysely } from 'kysely';
import type { Database, RoleName } from '../store/schema.js';
import { PasswordHasher } from './password-hasher.js';
import { hashPassword, newHexId, newSecret, sha256Hex, type SecretBox } from './secrets.js';

export interface RoleGrant { role: RoleName; enterpriseProjectIds: string[] | null }

export interface Principal {
  userId: string;
  userName: string;
  domainId: string;
  domainName: string;
  method: 'token' | 'aksk';
  /** The project a token is scoped to; null for domain-scoped tokens and for AK/SK. */
  tokenProjectId: string | null;
  grants: Map<string, RoleGrant>;
}

export interface IssuedToken {
  token: string; userId: string; projectId: string | null; domainScoped: boolean;
  methods: string[]; issuedAt: number; expiresAt: number;
}

export const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomAccessKey(): string {
  const bytes = newSecret(40);
  let out = '';
  for (let i = 0; out.length < 20 && i < bytes.length; i++) {
    const code = bytes.charCodeAt(i) % ACCESS_KEY_ALPHABET.length;
    out += ACCESS_KEY_ALPHABET[code];
  }
  return out;
}

/** Users, projects, keys and tokens over the SQL store. Tokens are stored as SHA-256 hashes only. */
export class IdentityService {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly db: Kysely<Database>, private readonly box: SecretBox, private readonly tokenTtlMs: number,
    private readonly hasher: PasswordHasher = new PasswordHasher(),
  ) {}

  async findDomain(ref: { id?: string; name?: string }) {
    let q = this.db.selectFrom('domains').selectAll();
    if (ref.id !== undefined) q = q.where('id', '=', ref.id);
    else if (ref.name !== undefined) q = q.where('name', '=', ref.name);
    else return undefined;
    return q.executeTakeFirst();
  }

  async checkPassword(domain: { id?: string; name?: string }, userName: string, password: string) {
    const found = await this.findDomain(domain);
    const user = found ? await this.db.selectFrom('users').selectAll()
      .where('domain_id', '=', found.id).where('name', '=', userName).executeTakeFirst() : undefined;
    // Verify against a dummy hash when the user or domain is unknown so timing does not reveal which names exist.
    this.dummyHash ??= hashPassword(newSecret(16));
    const ok = await this.hasher.verify(password, user?.password_hash ?? await this.dummyHash);
    if (!found || !user || !ok || user.disabled) return null;
    return { user, domain: found };
  }

  async principal(userId: string, method: Principal['method'], tokenProjectId: string | null): Promise<Principal | null> {
    const row = await this.db.selectFrom('users').innerJoin('domains', 'domains.id', 'users.domain_id')
      .select(['users.id', 'users.name', 'users.disabled', 'domains.id as domain_id', 'domains.name as domain_name'])
      .where('users.id', '=', userId).executeTakeFirst();
    if (!row || row.disabled) return null;
    const assignments = await this.db.selectFrom('role_assignments').selectAll().where('user_id', '=', userId).execute();
    const grants = new Map<string, RoleGrant>();
    for (const a of assignments) {
      grants.set(a.project_id, {
        role: a.role,
        enterpriseProjectIds: a.enterprise_project_ids === null ? null : (JSON.parse(a.enterprise_project_ids) as string[]),
      });
    }
    return { userId: row.id, userName: row.name, domainId: row.domain_id, domainName: row.domain_name, method, tokenProjectId, grants };
  }

  async issueToken(userId: string, scope: { projectId: string } | { domain: true }, methods: string[], now = Date.now()): Promise<IssuedToken> {
    const token = `GP${newSecret(48)}`;
    const projectId = 'projectId' in scope ? scope.projectId : null;
    const expiresAt = now + this.tokenTtlMs;
    await this.db.insertInto('tokens').values({
      token_hash: sha256Hex(token), user_id: userId, project_id: projectId, domain_scoped: projectId ? 0 : 1,
      methods: JSON.stringify(methods), issued_at: now, expires_at: expiresAt,
    }).execute();
    return { token, userId, projectId, domainScoped: !projectId, methods, issuedAt: now, expiresAt };
  }

  /** 'expired' is distinguished so the API can answer APIGW.0307 instead of APIGW.0301. */
  async lookupToken(token: string, now = Date.now()): Promise<IssuedToken | 'expired' | null> {
    if (token.length < 16 || token.length > 32768) return null;
    const row = await this.db.selectFrom('tokens').selectAll().where('token_hash', '=', sha256Hex(token)).executeTakeFirst();
    if (!row) return null;
    if (row.expires_at <= now) return 'expired';
    return {
      token, userId: row.user_id, projectId: row.project_id, domainScoped: row.domain_scoped === 1,
      methods: JSON.parse(row.methods) as string[], issuedAt: row.issued_at, expiresAt: row.expires_at,
    };
  }

  async purgeExpiredTokens(now = Date.now()): Promise<void> {
    await this.db.deleteFrom('tokens').where('expires_at', '<', now).execute();
  }

  async secretKeyFor(accessKey: string): Promise<{ userId: string; secretKey: string } | null> {
    if (!/^[A-Za-z0-9]{1,64}$/.test(accessKey)) return null;
    const row = await this.db.selectFrom('access_keys').selectAll().where('ak', '=', accessKey).executeTakeFirst();
    if (!row || row.status !== 'active') return null;
    return { userId: row.user_id, secretKey: this.box.open(row.sk_sealed) };
  }

  async createAccessKey(userId: string, description = '', now = Date.now()): Promise<{ ak: string; sk: string }> {
    const ak = randomAccessKey();
    const sk = newSecret(30);
    await this.db.insertInto('access_keys').values({
      ak, user_id: userId, sk_sealed: this.box.seal(sk), description, created_at: now, status: 'active',
    }).execute();
    return { ak, sk };
  }

  async createUser(domainId: string, name: string, password: string, now = Date.now()): Promise<string> {
    const id = newHexId();
    await this.db.insertInto('users').values({
      id, domain_id: domainId, name, password_hash: await this.hasher.hash(password), created_at: now, disabled: 0,
    }).execute();
    return id;
  }

  async createProject(domainId: string, name: string, now = Date.now()): Promise<string> {
    const id = newHexId();
    await this.db.insertInto('projects').values({ id, domain_id: domainId, name, created_at: now }).execute();
    return id;
  }

  async grantRole(userId: string, projectId: string, role: RoleName, enterpriseProjectIds: string[] | null = null): Promise<void> {
    await this.db.deleteFrom('role_assignments').where('user_id', '=', userId).where('project_id', '=', projectId).execute();
    await this.db.insertInto('role_assignments').values({
      user_id: userId, project_id: projectId, role,
      enterprise_project_ids: enterpriseProjectIds === null ? null : JSON.stringify(enterpriseProjectIds),
    }).execute();
  }

  /**
   * A project by id or by name, within `ref.domain` (by id or name) when given, otherwise within the domain of the
   * user logging in: project names are only unique within a domain, and a token never crosses into another domain.
   */
  async findProject(ref: { id?: string; name?: string; domain?: { id?: string; name?: string } }, userDomainId: string) {
    const domainId = ref.domain ? (await this.findDomain(ref.domain))?.id : userDomainId;
    if (domainId === undefined || (ref.id === undefined && ref.name === undefined)) return undefined;
    let q = this.db.selectFrom('projects').selectAll().where('domain_id', '=', domainId);
    if (ref.id !== undefined) q = q.where('id', '=', ref.id);
    else if (ref.name !== undefined) q = q.where('name', '=', ref.name);
    return q.executeTakeFirst();
  }

  async projectsVisibleTo(principal: Principal, name?: string) {
    const ids = [...principal.grants.keys()];
    if (ids.length === 0) return [];
    let q = this.db.selectFrom('projects').selectAll().where('id', 'in', ids).orderBy('name');
    if (name !== undefined) q = q.where('name', '=', name);
    return q.execute();
  }

  getProject(projectId: string) {
    return this.db.selectFrom('projects').selectAll().where('id', '=', projectId).executeTakeFirst();
  }

  /** The oldest project (the one the first start created): where `guardpost start` enrolls its local agent. */
  firstProject() {
    return this.db.selectFrom('projects').selectAll().orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  }
}
