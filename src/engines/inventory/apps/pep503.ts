/**
 * PEP 503 normalized project name (`Foo_Bar.baz` → `foo-bar-baz`): how PyPI and OSV compare names. The
 * inventory keeps the name as written; matchers compare normalized names.
 */
export function pep503Normalize(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}
