import crypto from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { assertValidBlobKey, BlobTooLargeError, type BlobInfo, type BlobStore } from './blob-store.js';
import { describeS3Error, isNotFound } from './s3-errors.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket ('' or ending in `/`). */
  prefix: string;
  client: S3Client;
  /** Multipart part size (bytes, ≥ 5 MiB); memory per upload is about `partSize × queueSize`. */
  partSize?: number;
  queueSize?: number;
}

/** The pointer object a key names: the immutable data object it points at, with its size and SHA-256. */
const Pointer = Type.Object({
  v: Type.Literal(1),
  data: Type.String({ minLength: 1, maxLength: 2048 }),
  size: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
});
type Pointer = Static<typeof Pointer>;
const pointerCheck = Compile(Pointer);

const MAX_POINTER_BYTES = 8 * 1024;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

/** A blob whose bytes no longer match the SHA-256 recorded when it was written. */
export class BlobIntegrityError extends Error {
  constructor(key: string, detail: string) {
    super(`blob ${key} is corrupt: ${detail}`);
  }
}

/**
 * Blobs in an S3-compatible bucket. Each put streams the bytes (multipart, constant memory) into a new immutable
 * data object, then writes a small pointer object under the key naming it with its size and SHA-256: a reader
 * never sees a partial blob (the pointer appears only after the data is complete, and a PUT is atomic), an
 * overwrite switches the pointer atomically, and every get verifies size and SHA-256 while streaming. Retries with
 * backoff on 5xx and throttling are the SDK's standard retry mode (configured in {@link s3ClientConfig}).
 */
export class S3BlobStore implements BlobStore {
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.client = options.client;
    this.partSize = Math.max(5 * 1024 * 1024, options.partSize ?? DEFAULT_PART_SIZE);
    this.queueSize = Math.max(1, options.queueSize ?? 2);
  }

  private pointerKey(key: string): string {
    assertValidBlobKey(key);
    return `${this.prefix}blobs/${key}`;
  }

  private dataKey(key: string): string {
    return `${this.prefix}data/${key}.${Date.now().toString(36)}-${crypto.randomBytes(6).toString('hex')}`;
  }

  async put(key: string, body: Readable, options: { maxBytes?: number } = {}): Promise<BlobInfo> {
    const pointerKey = this.pointerKey(key);
    const dataKey = this.dataKey(key);
    const hash = crypto.createHash('sha256');
    const maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
    let size = 0;
    let tooLarge: BlobTooLargeError | null = null;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxBytes) {
          tooLarge = new BlobTooLargeError(maxBytes);
          return callback(tooLarge);
        }
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    const upload = new Upload({
      client: this.client, queueSize: this.queueSize, partSize: this.partSize, leavePartsOnError: false,
      params: { Bucket: this.bucket, Key: dataKey, Body: body.pipe(meter), ContentType: 'application/octet-stream' },
    });
    body.once('error', (error) => meter.destroy(error));
    try {
      await upload.done();
    } catch (error) {
      await upload.abort().catch(() => undefined);
      await this.deleteQuietly(dataKey);
      if (tooLarge) throw tooLarge;
      throw describeS3Error(error, `writing blob ${key}`, this.bucket);
    }
    if (tooLarge) {
      await this.deleteQuietly(dataKey);
      throw tooLarge;
    }
    const info = { key, size, sha256: hash.digest('hex') };
    const previous = await this.readPointer(key).catch(() => null);
    const pointer: Pointer = { v: 1, data: dataKey, size: info.size, sha256: info.sha256 };
    try {
      await this.client.send(new PutObjectCommand({
        Bucket: this.bucket, Key: pointerKey, Body: JSON.stringify(pointer), ContentType: 'application/json',
      }));
    } catch (error) {
      await this.deleteQuietly(dataKey);
      throw describeS3Error(error, `writing blob ${key}`, this.bucket);
    }
    if (previous && previous.data !== dataKey) await this.deleteQuietly(previous.data);
    return info;
  }

  async get(key: string): Promise<Readable | null> {
    const pointer = await this.readPointer(key);
    if (!pointer) return null;
    let object;
    try {
      object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: pointer.data }));
    } catch (error) {
      if (isNotFound(error)) return null; // deleted or overwritten between the two reads
      throw describeS3Error(error, `reading blob ${key}`, this.bucket);
    }
    if (!(object.Body instanceof Readable)) throw new Error(`reading blob ${key}: the S3 client returned no stream`);
    return verifying(object.Body, key, pointer);
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const pointer = await this.readPointer(key);
    return pointer ? { key, size: pointer.size, sha256: pointer.sha256 } : null;
  }

  async delete(key: string): Promise<boolean> {
    const pointer = await this.readPointer(key);
    if (!pointer) return false;
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.pointerKey(key) }));
    } catch (error) {
      throw describeS3Error(error, `deleting blob ${key}`, this.bucket);
    }
    await this.deleteQuietly(pointer.data);
    return true;
  }

  /** The bucket exists, and an object can be written, read back and deleted (with clear errors when not). */
  async probe(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw describeS3Error(error, 'checking the bucket', this.bucket);
    }
    const key = `${this.prefix}probe/${crypto.randomBytes(8).toString('hex')}`;
    const token = crypto.randomBytes(8).toString('hex');
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: token }));
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const back = await object.Body?.transformToString();
      if (back !== token) throw new Error('the object store returned other bytes than were written');
    } catch (error) {
      throw describeS3Error(error, 'writing and reading a probe object', this.bucket);
    } finally {
      await this.deleteQuietly(key);
    }
  }

  private async readPointer(key: string): Promise<Pointer | null> {
    const pointerKey = this.pointerKey(key);
    let text: string;
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: pointerKey }));
      if ((object.ContentLength ?? 0) > MAX_POINTER_BYTES) throw new BlobIntegrityError(key, 'its pointer object is too large');
      text = (await object.Body?.transformToString()) ?? '';
    } catch (error) {
      if (isNotFound(error)) return null;
      if (error instanceof BlobIntegrityError) throw error;
      throw describeS3Error(error, `reading blob ${key}`, this.bucket);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new BlobIntegrityError(key, 'its pointer object is not JSON');
    }
    if (!pointerCheck.Check(parsed)) throw new BlobIntegrityError(key, 'its pointer object has the wrong shape');
    return parsed;
  }

  private async deleteQuietly(objectKey: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey })).catch(() => undefined);
  }
}

/** Passes the bytes through and fails the stream at its end when size or SHA-256 differ from the pointer's. */
function verifying(source: Readable, key: string, pointer: Pointer): Readable {
  const hash = crypto.createHash('sha256');
  let size = 0;
  const out = new PassThrough();
  const check = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > pointer.size) return callback(new BlobIntegrityError(key, `more than the recorded ${pointer.size} bytes`));
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      if (size !== pointer.size) return callback(new BlobIntegrityError(key, `${size} bytes instead of ${pointer.size}`));
      const digest = hash.digest('hex');
      callback(digest === pointer.sha256 ? null : new BlobIntegrityError(key, 'its SHA-256 does not match'));
    },
  });
  source.once('error', (error) => out.destroy(error));
  check.once('error', (error) => out.destroy(error));
  out.once('close', () => source.destroy());
  return source.pipe(check).pipe(out);
}

export interface S3Location {
  bucket: string;
  prefix: string;
}

/** `s3://bucket/prefix/` → bucket and a prefix that is '' or ends in `/`. */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) throw new Error(`GUARDPOST_BLOB_URL must look like s3://bucket[/prefix], got "${url}"`);
  const rawPrefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (rawPrefix.split('/').some((segment) => segment === '..' || segment === '.')) throw new Error(`GUARDPOST_BLOB_URL prefix must not contain "." or ".." segments: "${url}"`);
  return { bucket: match[1] as string, prefix: rawPrefix === '' ? '' : `${rawPrefix}/` };
}

/**
 * The S3 client for Guardpost: region and credentials from the SDK's standard chain (AWS_REGION, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, profiles); a custom endpoint means an S3-compatible store addressed path-style. Checksums
 * only where required (older S3-compatible stores such as Ceph radosgw reject the newer default trailers).
 */
export function s3ClientConfig(env: NodeJS.ProcessEnv): S3ClientConfig {
  const endpoint = env.GUARDPOST_S3_ENDPOINT || undefined;
  // Keys named in the configuration's environment are used as they are; otherwise the SDK's chain (profiles, IMDS, …).
  const credentials = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
    ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
    : {};
  return {
    ...credentials,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    maxAttempts: 5,
    retryMode: 'standard',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}
