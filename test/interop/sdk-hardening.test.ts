/**
 * AK/SK hardening checked with the official `@huaweicloud/huaweicloud-sdk-core` signer against the real server:
 * repeated query values sorted as the SDK sorts them, UNSIGNED-PAYLOAD never covering a JSON body, and the
 * GlobalCredentials domain discovery (signed GET /v3/auth/domains) that SDK clients of global services run.
 */
// First: points HOME at a temporary directory before anything below can load an SDK module.
import { sdkHome } from './sdk-home.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { toResult } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { assertHuaweiError, domainIdOf } from '../api/support.js';

assert.equal(process.env.HOME, sdkHome);
const { ClientBuilder } = await import('@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js');
const { BasicCredentials } = await import('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js');
const { GlobalCredentials } = await import('@huaweicloud/huaweicloud-sdk-core/auth/GlobalCredentials.js');
const { AKSKSigner } = await import('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js');
const { Region } = await import('@huaweicloud/huaweicloud-sdk-core/region/region.js');
const { Logger4jInstance } = await import('@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js');
type HcClient = import('@huaweicloud/huaweicloud-sdk-core/HcClient.js').HcClient;
type ICredential = import('@huaweicloud/huaweicloud-sdk-core/auth/ICredential.js').ICredential;
type ServiceResponseException = import('@huaweicloud/huaweicloud-sdk-core/exception/ServiceResponseException.js').ServiceResponseException;
Logger4jInstance.level = 'off';

let ts: TestServer;

before(async () => {
  ts = await startTestServer({ env: { GUARDPOST_REGION: 'lab-east-1' } });
});

after(async () => {
  await ts?.close();
  fs.rmSync(sdkHome, { recursive: true, force: true });
});

async function sdkError(promise: Promise<unknown>): Promise<ServiceResponseException> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceResponseException;
  }
  assert.fail('the SDK call was expected to fail');
}

describe('signed by the official SDK core', () => {
  test('ListCaptureResult with ip=127.0.0.1&ip=::1 (Terraform, mixed families) passes authentication', async () => {
    const cfw = new ClientBuilder<HcClient>((hc) => hc)
      .withCredential(new BasicCredentials().withAk(ts.credentials.ak).withSk(ts.credentials.sk).withProjectId(ts.credentials.project_id))
      .withEndpoint(ts.endpoint).build();
    const error = await sdkError(cfw.sendRequest({
      method: 'GET', url: '/v1/{project_id}/capture-task/capture-result', contentType: 'application/json', headers: {},
      pathParams: { project_id: ts.credentials.project_id },
      queryParams: { fw_instance_id: 'fw-none', task_id: 'no-such-task', type: 1, ip: ['::1', '127.0.0.1'] },
    }));
    // Authenticated (no 401): the unknown firewall is what fails, with the CFW code.
    assert.equal(error.httpStatusCode, 400, `${error.errorCode} ${error.errorMsg}`);
    assert.equal(error.errorCode, 'CFW.00200005');
  });

  test('UNSIGNED-PAYLOAD with a JSON body in any spelling of the media type → 401, the body is never processed', async () => {
    const path = `/v1/${ts.credentials.project_id}/capture-task/batch-delete`;
    for (const contentType of ['application/json', 'APPLICATION/JSON', 'Application/Json; charset=utf-8']) {
      const headers = AKSKSigner.sign({
        method: 'POST', endpoint: `${ts.endpoint}${path}`, url: path, queryParams: { fw_instance_id: 'fw-none' }, data: undefined,
        headers: { 'content-type': contentType, 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD', 'X-Project-Id': ts.credentials.project_id },
      }, { getAk: () => ts.credentials.ak, getSk: () => ts.credentials.sk } as unknown as ICredential) as Record<string, string>;
      assert.match(headers.Authorization ?? '', /SignedHeaders=content-type;host;x-project-id;x-sdk-content-sha256;x-sdk-date,/);
      delete headers.host;
      const swapped = await toResult(await fetch(`${ts.endpoint}${path}?fw_instance_id=fw-none`, {
        method: 'POST', headers, body: JSON.stringify({ task_ids: ['any', 'body', 'at', 'all'] }),
      }));
      const body = assertHuaweiError(swapped, 401, 'APIGW.0301', contentType);
      assert.match(String(body.error_msg), /UNSIGNED-PAYLOAD/, contentType);
    }
  });

  test('GlobalCredentials without a domain id: the core discovers it through signed GET /v3/auth/domains', async () => {
    const credentials = new GlobalCredentials().withAk(ts.credentials.ak).withSk(ts.credentials.sk).withIamEndpoint(ts.endpoint);
    const iam = new ClientBuilder<HcClient>((hc) => hc).withCredential(credentials)
      .withRegion(new Region('lab-east-1', ts.endpoint)).build();
    const projects = await iam.sendRequest<{ projects: Array<{ id: string }>; httpStatusCode: number }>({
      method: 'GET', url: '/v3/auth/projects', contentType: 'application/json', queryParams: {}, pathParams: {}, headers: {}, data: {},
    });
    assert.equal(credentials.domainId, await domainIdOf(ts), 'the SDK adopted the discovered domain id');
    assert.equal(projects.httpStatusCode, 200);
    assert.deepEqual(projects.projects.map((p) => p.id), [ts.credentials.project_id]);
    const regions = await iam.sendRequest<{ regions: Array<{ id: string; type: string }>; httpStatusCode: number }>({
      method: 'GET', url: '/v3/regions', contentType: 'application/json', queryParams: {}, pathParams: {}, headers: {}, data: {},
    });
    assert.ok(regions.regions.some((r) => r.id === 'lab-east-1' && r.type === 'public'));
  });
});
