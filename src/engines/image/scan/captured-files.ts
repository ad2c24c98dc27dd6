import { sourceKey, type MergedView } from '../image.js';
import type { ImageFile } from '../merged-view.js';
import { resolveInView } from '../view-path.js';
import type { CapturedFiles } from '../analyzers/types.js';

/** The captured bytes of final files, looked up by path (symlinks resolved inside the image; a loop reads as none). */
export function capturedFiles(view: MergedView, maxLinkHops: number): CapturedFiles {
  return {
    read(filePath) {
      let file: ImageFile | null;
      try {
        file = resolveInView(view.files, filePath, maxLinkHops);
      } catch {
        return null;
      }
      if (!file || (file.type !== 'file' && file.type !== 'hardlink')) return null;
      return view.captured.get(sourceKey(file.content)) ?? null;
    },
  };
}

/** True when `file` is not what the merged view finally holds at its path (an upper layer deleted or replaced it). */
export function isRemovedFrom(view: MergedView, file: ImageFile): boolean {
  const final = view.files.get(file.path);
  return !final || final.layer !== file.layer || sourceKey(final.content) !== sourceKey(file.content);
}
