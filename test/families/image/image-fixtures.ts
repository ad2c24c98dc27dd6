import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildImage, dockerArchive, ociArchive, ociLayout, type BuiltImage } from '../../engines/image/image-builder.js';
import { http, type HttpResult } from '../../helpers/http.js';
import { waitFor } from '../../helpers/wait.js';

/** The test image of the image-family tests (built in code) and small HTTP helpers over a token. */

export const OS_RELEASE = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.10.9\nPRETTY_NAME="Alpine Linux v3.10"\n';
export const APK_INSTALLED = [
  'P:musl', 'V:1.1.22-r3', 'A:x86_64', 'o:musl', 'L:MIT', 'F:lib', 'R:ld-musl-x86_64.so.1', '',
  'P:busybox', 'V:1.30.1-r2', 'A:x86_64', 'o:busybox', 'L:GPL-2.0-only', 'F:bin', 'R:busybox', '', '',
].join('\n');

export const BASE_CREATED_BY = '/bin/sh -c #(nop) ADD file:0123abcd in / ';
export const TOOL_CREATED_BY = '/bin/sh -c chmod 4755 /usr/local/bin/tool';

/** Two layers: an Alpine-like base (musl, busybox) and a layer adding an unowned setuid tool. */
export function testImage(): Promise<BuiltImage> {
  return buildImage([
    {
      createdBy: BASE_CREATED_BY,
      entries: [
        { name: 'etc/', type: 'directory' }, { name: 'etc/os-release', content: OS_RELEASE },
        { name: 'lib/', type: 'directory' }, { name: 'lib/apk/', type: 'directory' }, { name: 'lib/apk/db/', type: 'directory' },
        { name: 'lib/apk/db/installed', content: APK_INSTALLED },
        { name: 'lib/ld-musl-x86_64.so.1', content: 'musl' }, { name: 'bin/', type: 'directory' }, { name: 'bin/busybox', content: 'busybox', mode: 0o755 },
      ],
    },
    {
      createdBy: TOOL_CREATED_BY,
      entries: [{ name: 'usr/', type: 'directory' }, { name: 'usr/local/', type: 'directory' }, { name: 'usr/local/bin/', type: 'directory' },
        { name: 'usr/local/bin/tool', content: 'tool-binary', mode: 0o4755 }],
    },
  ]);
}

export interface ImageFiles { image: BuiltImage; docker: string; oci: string; layout: string; notImage: string }

export async function writeTestImage(dir: string): Promise<ImageFiles> {
  const image = await testImage();
  const docker = path.join(dir, 'test-image.docker.tar');
  const oci = path.join(dir, 'test-image.oci.tar');
  const layout = path.join(dir, 'test-image-layout');
  await dockerArchive(image, docker);
  await ociArchive(image, oci);
  ociLayout(image, layout);
  const notImage = path.join(dir, 'not-an-image.tar');
  fs.writeFileSync(path.join(dir, 'readme.txt'), 'hello\n');
  execFileSync('tar', ['-cf', notImage, '-C', dir, 'readme.txt']);
  return { image, docker, oci, layout, notImage };
}

export interface Api { endpoint: string; token: string; projectId: string }

export function get<T = Record<string, unknown>>(api: Api, pathAndQuery: string): Promise<HttpResult<T>> {
  return http<T>(api.endpoint, { path: pathAndQuery.replace('{p}', api.projectId), headers: { 'x-auth-token': api.token } });
}

export function send<T = Record<string, unknown>>(api: Api, method: string, pathAndQuery: string, body?: unknown): Promise<HttpResult<T>> {
  return http<T>(api.endpoint, { method, path: pathAndQuery.replace('{p}', api.projectId), headers: { 'x-auth-token': api.token }, body });
}

export function upload(api: Api, file: string, query = ''): Promise<HttpResult<Record<string, string>>> {
  return http(api.endpoint, {
    method: 'POST', path: `/v5/${api.projectId}/image/cicd/upload${query}`,
    headers: { 'x-auth-token': api.token, 'content-type': 'application/octet-stream' }, rawBody: fs.readFileSync(file),
  });
}

interface TaskRecord { task_id: string; task_status: number; success_num: number; failed_num: number; total_num: number }

/** Waits until the image scan task finished (task_status 100 or negative) and returns its record. */
export function waitForTask(api: Api, taskId: string, timeoutMs = 120_000): Promise<TaskRecord> {
  return waitFor(`image scan task ${taskId}`, async () => {
    const res = await get<{ data_list: TaskRecord[] }>(api, `/v5/{p}/image/tasks?type=image_scan&task_id=${taskId}`);
    const task = res.body.data_list?.find((t) => t.task_id === taskId);
    return task && (task.task_status === 100 || task.task_status < 0) ? task : undefined;
  }, timeoutMs, 300);
}
