import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CaptureServices } from '../services.js';
import { documentedError } from '../../../server/openapi.js';
import { Type } from 'typebox';
import { CAPTURE_PCAP_ARTIFACT, MAX_LIVE_LINKS_PER_TASK, MAX_WRONG_CODES } from '../domain.js';
import { safeEqual, sha256Hex } from '../../../identity/secrets.js';

import { downloadFileName } from './capture.js';
import { canonicalIp, clientAllowed } from './download-clients.js';

/**
 * The download behind ListCaptureResult's `url`: no IAM credentials, only the access code (`?code=` or
 * `X-Access-Code`), within the link's lifetime, from an allowed client IP. Wrong codes count toward a lock.
 */

const LinkParams = Type.Object({ link_id: Type.String({ pattern: '^[0-9a-f]{32}$' }) });
const LinkQuery = Type.Object({ code: Type.Optional(Type.String({ maxLength: 128 })) });

function refuse(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.status(status).send({ error_code: code, error_msg: message });
}

export const captureDownloadRoutes = ({ captures, artifacts }: CaptureServices): FastifyPluginAsyncTypebox => async (app) => {

  app.get('/capture-downloads/:link_id', {
    config: {
      auth: 'none', dialect: 'cfw',
      documentedResponses: {
        200: { description: 'The capture file', content: { 'application/vnd.tcpdump.pcap': { schema: { type: 'string', format: 'binary' } } } },
        401: documentedError('Access code missing or wrong (GP.CAPTURE.0401)'),
        403: documentedError('The client address is not allowed (GP.CAPTURE.0403)'),
        404: documentedError('Unknown link or deleted task (CFW.00200005)'),
        410: documentedError('The link or the capture files expired (GP.CAPTURE.0410)'),
        423: documentedError('Locked after too many wrong access codes (GP.CAPTURE.0423)'),
      },
    },
    schema: {
      operationId: 'DownloadCaptureResult', tags: ['cfw'],
      summary: 'Download a capture result (pcap) with its access code',
      params: LinkParams, querystring: LinkQuery,
      headers: Type.Object({ 'x-access-code': Type.Optional(Type.String({ maxLength: 128 })) }),
    },
  }, async (request, reply) => {
    const { link_id: linkId } = request.params;
    const code = (request.query).code ?? (request.headers['x-access-code'] as string | undefined);
    const link = await captures.getLink(linkId);
    if (!link) return refuse(reply, 404, 'CFW.00200005', `This download link does not exist: it was replaced by newer links (at most ${MAX_LIVE_LINKS_PER_TASK} per task), expired long ago, or its task was deleted.`);
    const now = Date.now();
    if (link.locked_at !== null) return refuse(reply, 423, 'GP.CAPTURE.0423', 'This download link is locked after too many wrong access codes; request a new one with ListCaptureResult.');
    if (link.expires_at <= now) return refuse(reply, 410, 'GP.CAPTURE.0410', 'This download link has expired; request a new one with ListCaptureResult.');
    const allowed = JSON.parse(link.allowed_ips) as string[];
    const clientIp = canonicalIp(request.ip) ?? request.ip;
    if (allowed.length > 0 && !clientAllowed(clientIp, allowed)) {
      return refuse(reply, 403, 'GP.CAPTURE.0403', `Downloads of this result are restricted to other client addresses (yours: ${clientIp}).`);
    }
    if (!code) return refuse(reply, 401, 'GP.CAPTURE.0401', 'The access code is required: add ?code=<access code> or the X-Access-Code header.');
    if (!safeEqual(sha256Hex(`${link.id}:${code}`), link.code_hash)) {
      const attempts = await captures.recordWrongCode(link.id, MAX_WRONG_CODES, now);
      const left = Math.max(0, MAX_WRONG_CODES - attempts);
      return refuse(reply, 401, 'GP.CAPTURE.0401', left > 0 ? `Wrong access code; ${left} attempt(s) left before the link locks.` : 'Wrong access code; the link is now locked.');
    }
    const capture = await captures.captureOfTask(link.task_id);
    if (!capture || capture.deleted_at !== null) return refuse(reply, 404, 'CFW.00200005', 'The capture task of this link was deleted.');
    if (capture.files_purged_at !== null || capture.retention_until <= now) return refuse(reply, 410, 'GP.CAPTURE.0410', 'The capture files have expired.');
    const artifact = (await captures.pcapsOf(link.task_id)).find((a) => a.name === CAPTURE_PCAP_ARTIFACT);
    const stream = artifact ? await artifacts.openBlob(artifact) : null;
    if (!artifact || !stream) return refuse(reply, 404, 'CFW.00200005', 'The capture file is no longer available.');
    return reply
      .header('Content-Type', 'application/vnd.tcpdump.pcap')
      .header('Content-Length', String(artifact.size))
      .header('Content-Disposition', `attachment; filename="${downloadFileName(capture.name, 'pcap')}"`)
      .header('X-Content-SHA256', artifact.sha256)
      .header('Cache-Control', 'no-store')
      .send(stream);
  });
};
