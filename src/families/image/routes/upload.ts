import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import crypto from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { newHexId } from '../../../identity/secrets.js';
import { authFailed, invalidParameter, malformedRequest } from '../../../server/errors.js';
import { IMAGE_SCAN_JOB } from '../domain.js';
import { nameAndVersion } from '../image-names.js';
import { privateTempDir } from '../scan-runner.js';
import { runScanProcess } from '../scanner.js';
import type { ImageServices } from '../services.js';
import { RegionHeader, Scope, Text } from './schemas.js';

/**
 * Guardpost extension `POST /v5/{project_id}/image/cicd/upload`: a raw streamed docker-archive / OCI archive
 * (any Content-Type; size-capped by GUARDPOST_IMAGE_MAX_UPLOAD_BYTES → 413) is spooled into the scanner's temp
 * area, identified by the scan process (not an image archive → 400), stored as a blob and queued as an
 * `image-scan` task of a CI/CD image. An AK/SK-signed upload is signed with `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`
 * (the body is streamed, not buffered, as the Huawei SDKs sign uploads) and must also sign
 * `X-Guardpost-Content-Sha256`, the body's SHA-256, which the bytes must match.
 */

export const CONTENT_SHA_HEADER = 'x-guardpost-content-sha256';

class TooLarge extends Error {}

function capped(max: number, hash: crypto.Hash): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) return done(new TooLarge());
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

const Query = Type.Object({ ...Scope, image_name: Text(128), image_version: Text(64), cicd_name: Text(128) });

const UploadResponse = Type.Object({
  task_id: Type.String(), image_id: Type.String(), image_name: Type.String(), image_version: Type.String(),
});

function signedHeaders(authorization: string | undefined): string[] {
  return /SignedHeaders=([^,\s]+)/.exec(authorization ?? '')?.[1]?.split(';') ?? [];
}


export const uploadRoutes = (services: ImageServices): FastifyPluginAsyncTypebox => async (app) => {
  const { config, images } = services;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post('/v5/:project_id/image/cicd/upload', {
    config: { ...huaweiRoute('hss'), streamedBody: true },
    schema: {
      operationId: 'UploadCicdImage', tags: ['hss'], summary: 'Guardpost extension: upload an image archive (CI/CD) and scan it',
      params: ProjectParams, querystring: Query, headers: RegionHeader, response: { 200: UploadResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const q = request.query;
    const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > config.maxUploadBytes) throw malformedRequest('hss', `the archive is larger than ${config.maxUploadBytes} bytes`, 413);
    const claimedSha = request.headers[CONTENT_SHA_HEADER];
    if (request.principal?.method === 'aksk' && (typeof claimedSha !== 'string' || !signedHeaders(request.headers.authorization).includes(CONTENT_SHA_HEADER))) {
      throw authFailed(`an AK/SK-signed upload must sign the ${CONTENT_SHA_HEADER} header`);
    }
    const dir = await privateTempDir(config.tempDir, `upload-${newHexId(4)}`);
    try {
      const archive = path.join(dir, 'upload.tar');
      const hash = crypto.createHash('sha256');
      try {
        await pipeline(request.body as Readable, capped(config.maxUploadBytes, hash), createWriteStream(archive, { flags: 'wx', mode: 0o600 }));
      } catch (error) {
        if (error instanceof TooLarge) throw malformedRequest('hss', `the archive is larger than ${config.maxUploadBytes} bytes`, 413);
        throw malformedRequest('hss', 'the upload did not complete');
      }
      const sha = hash.digest('hex');
      if (typeof claimedSha === 'string' && claimedSha.toLowerCase() !== sha) {
        throw authFailed(`the body does not match ${CONTENT_SHA_HEADER}`);
      }
      const identity = await runScanProcess('identify', archive, '-', {
        tempDir: dir, heapMb: config.scanHeapMb, timeoutMs: 60_000, maxReportBytes: 0,
      });
      if (!identity.ok) throw invalidParameter('hss', `not a readable image archive (${identity.code}): ${identity.message.slice(0, 300)}`);
      const [tagName, tagVersion] = nameAndVersion(identity.repoTags?.[0]);
      const imageName = q.image_name || tagName;
      const imageVersion = q.image_version || tagVersion;
      const stat = await fsp.stat(archive);
      const blobKey = `projects/${projectId}/images/${newHexId()}.tar`;
      await services.core.blobs.put(blobKey, createReadStream(archive), { maxBytes: config.maxUploadBytes });
      const enterpriseProjectId = scope?.[0] ?? '0';
      const { row, replacedBlob } = await images.upsert({ projectId, enterpriseProjectId, source: 'cicd', originId: '', imageId: identity.imageId }, {
        imageName, imageVersion, cicdName: q.cicd_name ?? '', blobKey, imageSize: stat.size,
      });
      const task = await images.createScanTask({
        projectId, enterpriseProjectId, imageType: 'cicd', taskType: 'manual', scanScope: 0x7fffffff, rateLimit: 0, isAll: false,
        name: `cicd-scan-${identity.imageId.slice(7, 19)}`, createdBy: request.principal?.userId ?? 'unknown',
        targets: [{ imageRow: row.id, agentId: null, jobKind: IMAGE_SCAN_JOB, payload: { image_row: row.id } }],
      }).catch(async (error: unknown) => {
        await services.core.blobs.delete(blobKey);
        throw error;
      });
      if (replacedBlob) await services.core.blobs.delete(replacedBlob).catch(() => undefined);
      return { task_id: task.id, image_id: identity.imageId, image_name: imageName, image_version: imageVersion };
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
};
