/** Huawei-style error bodies. One place decides codes and shapes per API dialect (CFW, HSS, IAM, agent protocol, gateway). */

export type ApiDialect = 'cfw' | 'hss' | 'iam' | 'agent' | 'gateway';

export class ApiError extends Error {
  constructor(
    public readonly statusCode: number,
    public readonly errorCode: string,
    message: string,
    /** Extra response headers (Retry-After). */
    public readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface FamilyCodes { invalid: string; notFound: string; parse: string; forbidden: string }

const CODES: Record<ApiDialect, FamilyCodes> = {
  cfw: { invalid: 'CFW.00200003', notFound: 'CFW.00200005', parse: 'CFW.00200003', forbidden: 'APIGW.0302' },
  hss: { invalid: 'HSS.0001', notFound: 'HSS.0011', parse: 'HSS.0002', forbidden: 'HSS.0013' },
  iam: { invalid: 'IAM.0001', notFound: 'IAM.0004', parse: 'IAM.0001', forbidden: 'IAM.0002' },
  agent: { invalid: 'GP.AGENT.0001', notFound: 'GP.AGENT.0004', parse: 'GP.AGENT.0001', forbidden: 'GP.AGENT.0003' },
  gateway: { invalid: 'APIGW.0201', notFound: 'APIGW.0101', parse: 'APIGW.0201', forbidden: 'APIGW.0302' },
};

export function dialectOfUrl(url: string): ApiDialect {
  if (url.startsWith('/v1/')) return 'cfw';
  if (url.startsWith('/v5/')) return 'hss';
  if (url.startsWith('/v3/') || url === '/v3') return 'iam';
  if (url.startsWith('/agent/')) return 'agent';
  return 'gateway';
}

export const invalidParameter = (dialect: ApiDialect, message: string): ApiError =>
  new ApiError(400, CODES[dialect].invalid, message);

export const resourceNotFound = (dialect: ApiDialect, message = 'The requested resource does not exist.'): ApiError =>
  new ApiError(400, CODES[dialect].notFound, message);

export const malformedRequest = (dialect: ApiDialect, message: string, statusCode = 400): ApiError =>
  new ApiError(statusCode, CODES[dialect].parse, message);

export const forbidden = (dialect: ApiDialect, message: string): ApiError =>
  new ApiError(403, CODES[dialect].forbidden, message);

export const authFailed = (message: string): ApiError =>
  new ApiError(401, 'APIGW.0301', `Incorrect IAM authentication information: ${message}`);

export const tokenExpired = (): ApiError => new ApiError(401, 'APIGW.0307', 'The token must be updated.');

export const notAuthorized = (message: string): ApiError =>
  new ApiError(403, 'APIGW.0302', `The IAM user is not authorized to access the API: ${message}`);

/** Huawei APIG's throttling answer: 429 APIGW.0308 with a Retry-After hint. */
export const throttled = (message: string, retryAfterSeconds: number): ApiError =>
  new ApiError(429, 'APIGW.0308', `The throttling threshold has been reached: ${message}`, { 'Retry-After': String(retryAfterSeconds) });

export const routeNotFound = (): ApiError => new ApiError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment.');

export function errorBody(error: ApiError, dialect: ApiDialect, requestId: string): Record<string, string> {
  if (error.errorCode.startsWith('APIGW.')) {
    return { error_code: error.errorCode, error_msg: error.message, request_id: requestId };
  }
  if (dialect === 'hss') {
    return { error_code: error.errorCode, error_msg: error.message, error_description: error.message };
  }
  return { error_code: error.errorCode, error_msg: error.message };
}
