import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * A job kind: the one declaration of what a job carries to its runner, what it reports back and what a host
 * must offer to run it. The server checks payloads at enqueue and claim and results at finish against it; the
 * agent handler is typed from the same schemas, so no payload or result type is written twice.
 */

export type JobLocation = 'agent' | 'server';
export type JobSchemaPart = 'payload' | 'result' | 'capability';

export class JobSchemaError extends Error {
  constructor(public readonly kind: string, public readonly part: JobSchemaPart, public readonly problems: string[]) {
    super(`invalid ${kind} job ${part}: ${problems.join('; ')}`);
  }
}

export interface JobKindDeclaration<P extends TSchema, R extends TSchema, C extends TSchema> {
  /** Unique across every family; stored in `jobs.kind`. */
  readonly name: string;
  /** Bumped when the result's meaning changes; stored with each result. */
  readonly version: number;
  readonly runsOn: JobLocation;
  readonly payload: P;
  readonly result: R;
  /** What a host advertises (under `capabilities.kinds[name]`) when it can run this kind. */
  readonly capability: C;
}

export interface JobKind<P extends TSchema = TSchema, R extends TSchema = TSchema, C extends TSchema = TSchema>
  extends JobKindDeclaration<P, R, C> {
  checkPayload(value: unknown): Static<P>;
  checkResult(value: unknown): Static<R>;
  /** The capability a host advertises for this kind, or null when it advertises none or a malformed one. */
  capabilityOf(kinds: unknown): Static<C> | null;
}

export type AnyJobKind = JobKind<TSchema, TSchema, TSchema>;
export type PayloadOf<K extends AnyJobKind> = Static<K['payload']>;
export type ResultOf<K extends AnyJobKind> = Static<K['result']>;
export type CapabilityOf<K extends AnyJobKind> = Static<K['capability']>;

const MAX_PROBLEMS = 5;

function checker<S extends TSchema>(kind: string, part: JobSchemaPart, schema: S): (value: unknown) => Static<S> {
  const compiled = Compile(schema);
  return (value) => {
    if (compiled.Check(value)) return value;
    const problems = [...compiled.Errors(value)].slice(0, MAX_PROBLEMS)
      .map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new JobSchemaError(kind, part, problems.length > 0 ? problems : ['does not match its schema']);
  };
}

const KIND_NAME = /^[a-z][a-z0-9-]{0,63}$/;

export function defineJobKind<P extends TSchema, R extends TSchema, C extends TSchema>(
  declaration: JobKindDeclaration<P, R, C>,
): JobKind<P, R, C> {
  if (!KIND_NAME.test(declaration.name)) throw new Error(`job kind name "${declaration.name}" must match ${KIND_NAME}`);
  if (!Number.isInteger(declaration.version) || declaration.version < 1) throw new Error(`job kind ${declaration.name}: version must be a positive integer`);
  const checkCapability = checker(declaration.name, 'capability', declaration.capability);
  return {
    ...declaration,
    checkPayload: checker(declaration.name, 'payload', declaration.payload),
    checkResult: checker(declaration.name, 'result', declaration.result),
    capabilityOf(kinds: unknown) {
      if (kinds === null || typeof kinds !== 'object' || Array.isArray(kinds)) return null;
      const advertised = (kinds as Record<string, unknown>)[declaration.name];
      if (advertised === undefined) return null;
      try {
        return checkCapability(advertised);
      } catch {
        return null;
      }
    },
  };
}
