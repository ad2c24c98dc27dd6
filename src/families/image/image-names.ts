/** `registry/name:tag` → [`registry/name`, `tag`]; no tag → `latest`; nothing → ['', '']. */
export function nameAndVersion(tag: string | undefined): [string, string] {
  if (!tag) return ['', ''];
  const i = tag.lastIndexOf(':');
  return i > tag.lastIndexOf('/') ? [tag.slice(0, i), tag.slice(i + 1)] : [tag, 'latest'];
}
