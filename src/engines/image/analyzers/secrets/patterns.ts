/** Building blocks shared by the secret rules. */

/**
 * Values that are placeholders, not secrets: `changeme`, `${VAR}`, `$VAR`, `<password>`, `xxx`, `****`,
 * `example…`, `your_…`, `%(name)s`, `{{ var }}`, booleans/null, and the usual dummy words.
 */
export const PLACEHOLDER_VALUES: readonly RegExp[] = [
  /^(?:change[_-]?me|changeit|password|passwd|secret|pass|dummy|test|testing|todo|fixme|none|null|nil|true|false|empty|redacted|placeholder|default|sample|admin|root|user|username|guest|foo|bar|foobar|value|string|your[_-]?\w*|my[_-]?\w*|insert[_-]?\w*|replace[_-]?\w*|enter[_-]?\w*)$/i,
  /example/i,
  /^x{3,}$/i,
  /^\*+$/,
  /^\.{3,}$/,
  /^<[^>]*>$/,
  /^\$\{[^}]*\}?$/,
  /^\$\(/,
  /^\$[A-Za-z_][A-Za-z0-9_]*$/,
  /^%\(?[A-Za-z_]*\)?s$/,
  /^\{\{.*\}\}$/,
  /^%[A-Za-z_]+%$/,
];

/** The base64 body of a PEM/OpenSSH/PGP private key block (after optional `Proc-Type:`-style headers). */
const KEY_BODY = String.raw`(?:[A-Za-z-]+:[^\n]*\r?\n)*\r?\n?([A-Za-z0-9+/=\r\n]{64,65536})`;

/** A complete private key block: `-----BEGIN … PRIVATE KEY-----`, at least 64 base64 chars, the matching END. */
export const PRIVATE_KEY_BLOCK = new RegExp(
  String.raw`-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?)PRIVATE KEY( BLOCK)?-----\r?\n${KEY_BODY}-----END \1PRIVATE KEY\2-----`,
);

/** Files that are configuration (where a `password = …` assignment is a stored credential). */
export const CONFIG_FILE_PATHS: readonly RegExp[] = [
  /\.(?:conf|cfg|cnf|ini|properties|ya?ml|toml|json|xml|env|config|npmrc|pypirc|netrc|htpasswd)$/i,
  /(?:^|\/)\.env(?:\.[A-Za-z0-9_-]+)?$/,
  /^\/etc\/[^/]+$/,
];

/** Documentation, locale and test-fixture trees whose examples are not deployed credentials. */
export const DOC_PATHS: readonly RegExp[] = [/^\/usr\/share\/(?:doc|man|info|locale|help)\//, /\.(?:md|rst|txt|html?)$/i, /\/(?:tests?|examples?|fixtures?|samples?)\//];
