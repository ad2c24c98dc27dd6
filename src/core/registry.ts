/** A named list assembled once at start-up; a second entry with a taken name is a programming error. */
export class DuplicateRegistrationError extends Error {
  constructor(what: string, name: string) {
    super(`${what} "${name}" is registered twice`);
  }
}

export interface Registry<T> {
  readonly all: readonly T[];
  get(name: string): T | undefined;
  has(name: string): boolean;
}

export function createRegistry<T>(what: string, entries: readonly T[], nameOf: (entry: T) => string): Registry<T> {
  const byName = new Map<string, T>();
  for (const entry of entries) {
    const name = nameOf(entry);
    if (byName.has(name)) throw new DuplicateRegistrationError(what, name);
    byName.set(name, entry);
  }
  return {
    all: [...entries],
    get: (name) => byName.get(name),
    has: (name) => byName.has(name),
  };
}
