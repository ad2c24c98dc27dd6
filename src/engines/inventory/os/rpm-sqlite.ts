import Database from 'better-sqlite3';

/** SQLite database header: bytes 18 and 19 are the write/read format versions (1 legacy, 2 WAL). */
const FORMAT_OFFSETS = [18, 19];
const SQLITE_MAGIC = 'SQLite format 3\0';

/**
 * The header blobs of an rpmdb.sqlite, read from its bytes with an in-memory deserialised copy: nothing is ever
 * opened or written in the scanned root (no -wal/-shm side files). A WAL-mode file is flagged legacy in the copy
 * so sqlite opens it in memory; frames still sitting in an un-checkpointed `-wal` file are not seen.
 */
export function readSqliteRpmdb(bytes: Buffer): Buffer[] {
  if (bytes.subarray(0, 16).toString('latin1') !== SQLITE_MAGIC) throw new Error('not an SQLite database');
  const copy = Buffer.from(bytes);
  for (const offset of FORMAT_OFFSETS) if (copy[offset] === 2) copy[offset] = 1;
  const db = new Database(copy, { readonly: true });
  try {
    const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'Packages'").get();
    if (!table) throw new Error('no Packages table: not an rpm database');
    const rows = db.prepare('SELECT blob FROM Packages ORDER BY hnum').raw().all();
    return rows.map((row) => {
      const blob: unknown = (row as unknown[])[0];
      if (!Buffer.isBuffer(blob)) throw new Error('Packages.blob is not a blob');
      return blob;
    });
  } finally {
    db.close();
  }
}
