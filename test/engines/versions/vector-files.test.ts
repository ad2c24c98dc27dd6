import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLines, VECTORS_DIR } from './vector-files.js';

describe('version vector files', () => {
  it('fail loudly, naming the path, when a vector file is missing', () => {
    assert.throws(() => readLines('no-such-vectors.txt'), (err: Error) => err.message.includes(`${VECTORS_DIR}no-such-vectors.txt is missing`));
  });
});
