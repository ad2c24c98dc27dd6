import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default export arrives one level down.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

/** JSON bodies are validated strictly (a string is not a number); query, path and headers arrive as text and are coerced. */
const strict = makeAjv(false);
const coercing = makeAjv(true);

interface SchemaNode {
  type?: unknown; properties?: Record<string, unknown>; additionalProperties?: unknown; items?: unknown;
  anyOf?: unknown[]; oneOf?: unknown[]; allOf?: unknown[];
}

/**
 * The JSON pointer of the first schema-declared string holding U+0000, or null. PostgreSQL refuses NUL in text
 * (SQLite keeps it), so such input must be a 400 on both stores rather than a database error. Free-form parts
 * (`Type.Unknown()`) are not walked: they are stored as JSON text, where NUL is escaped.
 */
function nulPath(schema: unknown, data: unknown, path: string): string | null {
  if (!schema || typeof schema !== 'object') return null;
  const node = schema as SchemaNode;
  for (const alternative of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) {
    const found = nulPath(alternative, data, path);
    if (found !== null) return found;
  }
  if (typeof data === 'string') {
    const declared = node.type === 'string' || (Array.isArray(node.type) && node.type.includes('string'));
    return declared && data.includes('\u0000') ? path : null;
  }
  if (Array.isArray(data)) {
    if (!node.items || Array.isArray(node.items)) return null;
    for (let i = 0; i < data.length; i++) {
      const found = nulPath(node.items, data[i], `${path}/${i}`);
      if (found !== null) return found;
    }
    return null;
  }
  if (data && typeof data === 'object') {
    for (const [key, value] of Object.entries(data)) {
      const sub = node.properties?.[key] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
      const found = nulPath(sub, value, `${path}/${key}`);
      if (found !== null) return found;
    }
  }
  return null;
}

export function validatorCompiler({ schema, httpPart }: { schema: object; httpPart?: string }): ValidateFunction {
  const validate = (httpPart === 'body' ? strict : coercing).compile(schema);
  const checked = ((data: unknown) => {
    const ok = validate(data);
    checked.errors = validate.errors;
    if (!ok) return false;
    const at = nulPath(schema, data, '');
    if (at === null) return true;
    checked.errors = [{ keyword: 'nul', instancePath: at, schemaPath: '#', params: {}, message: 'must not contain NUL (U+0000) characters' }];
    return false;
  }) as unknown as ValidateFunction;
  return checked;
}
