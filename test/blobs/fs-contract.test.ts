import fs from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.js';
import { tempDir } from '../helpers/db.js';
import { blobStoreContract } from './contract.js';

const root = tempDir('gp-blob-contract-');
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
blobStoreContract('directory', () => new FsBlobStore(path.join(root, 'blobs')), (label) => `contract/${label}-${++n}`);
