// The hospital's identity provider: OpenID Connect id tokens (or any signed
// JWT its sign-in service issues), verified with `jose` against the keys the
// provider publishes (a JWKS URL) or a JWKS file the hospital hands over.
//
// Verified: the signature with one of the pinned algorithms (never `none`,
// never an algorithm the configuration does not list), the issuer, the
// audience (our client id), exp / nbf / iat with a small clock tolerance and
// a maximum age since iat. Then the claims are mapped to who signs in:
//   subjectClaim   (default `sub`)          the stable id at the provider
//   roleClaim      (default `carecircle_role`) a string or an array of
//                  strings, each mapped through roleMap to one of our roles
//   patientIdClaim (default `patient_id`)   the hospital's patient id (MPI):
//                  a patient's first sign-in links to, or registers, the
//                  patient record with this id
//   nameClaim      (default `name`)         the full name (masked before display)
import { readFileSync } from 'node:fs';

import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';

import { ApiError } from '../service.mjs';
import { isRole, ROLES } from './policy.mjs';

/** An authentication failure: an ApiError (401 or another status) with a stable code. */
export class AuthError extends ApiError {}

const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/;

/**
 * @typedef {{
 *   issuer: string,
 *   audience: string | string[],
 *   jwksUrl?: string,
 *   jwksFile?: string,
 *   jwks?: {keys: object[]},
 *   algorithms?: string[],
 *   clockToleranceSec?: number,
 *   maxTokenAgeSec?: number,
 *   subjectClaim?: string,
 *   roleClaim?: string,
 *   roleMap?: Record<string, string>,
 *   patientIdClaim?: string,
 *   nameClaim?: string,
 * }} OidcConfig
 */

/**
 * Checks an OIDC configuration and returns it with its defaults; throws on
 * anything a deployment must not run with.
 * @param {OidcConfig} config
 */
export function normalizeOidcConfig(config) {
  if (!config || typeof config !== 'object') throw new Error('oidc: configuration object expected');
  const { issuer, audience } = config;
  if (typeof issuer !== 'string' || issuer === '') throw new Error('oidc: issuer is required');
  const audiences = Array.isArray(audience) ? audience : [audience];
  if (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a === '')) {
    throw new Error('oidc: audience (the client id) is required');
  }
  const sources = ['jwksUrl', 'jwksFile', 'jwks'].filter((k) => config[k] !== undefined);
  if (sources.length !== 1) throw new Error('oidc: exactly one of jwksUrl, jwksFile, jwks is required');
  if (config.jwksUrl !== undefined) {
    const url = new URL(config.jwksUrl);
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
      throw new Error('oidc: jwksUrl must be https (plain http only on a loopback address)');
    }
  }
  const algorithms = config.algorithms ?? ['RS256'];
  if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((a) => !ASYMMETRIC.test(a))) {
    throw new Error('oidc: algorithms must be a non-empty list of asymmetric JWS algorithms (RS256, ES256, …)');
  }
  const roleMap = config.roleMap ?? Object.fromEntries(Object.keys(ROLES).map((r) => [r, r]));
  for (const [claimValue, role] of Object.entries(roleMap)) {
    if (!isRole(role)) throw new Error(`oidc: roleMap.${claimValue} names an unknown role ${role}`);
  }
  const clockToleranceSec = config.clockToleranceSec ?? 30;
  const maxTokenAgeSec = config.maxTokenAgeSec ?? 3600;
  if (!(clockToleranceSec >= 0 && clockToleranceSec <= 300)) throw new Error('oidc: clockToleranceSec must be 0..300');
  if (!(maxTokenAgeSec > 0 && maxTokenAgeSec <= 86_400)) throw new Error('oidc: maxTokenAgeSec must be 1..86400');
  return Object.freeze({
    ...config,
    audience: audiences,
    algorithms,
    roleMap,
    clockToleranceSec,
    maxTokenAgeSec,
    subjectClaim: config.subjectClaim ?? 'sub',
    roleClaim: config.roleClaim ?? 'carecircle_role',
    patientIdClaim: config.patientIdClaim ?? 'patient_id',
    nameClaim: config.nameClaim ?? 'name',
  });
}

/**
 * A verifier of the hospital's id tokens.
 * @param {OidcConfig} rawConfig
 * @param {{nowMs?: () => number}} [options] nowMs: the server's clock (tests shift it)
 */
export function createOidcVerifier(rawConfig, { nowMs = () => Date.now() } = {}) {
  const config = normalizeOidcConfig(rawConfig);
  let keys;
  if (config.jwksUrl) keys = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  else keys = createLocalJWKSet(config.jwks ?? JSON.parse(readFileSync(config.jwksFile, 'utf8')));

  /**
   * Verifies `idToken` and maps its claims.
   * @param {string} idToken
   * @returns {Promise<{provider: string, subject: string, roles: string[], patientId: string|null, name: string}>}
   */
  async function verify(idToken) {
    if (typeof idToken !== 'string' || idToken.length < 16 || idToken.length > 16_384) {
      throw new AuthError(400, 'request.bad_body', 'idToken 应为身份提供方签发的令牌', { path: '/idToken' });
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(idToken, keys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockTolerance: config.clockToleranceSec,
        maxTokenAge: config.maxTokenAgeSec,
        requiredClaims: ['exp', 'iat', config.subjectClaim],
        currentDate: new Date(nowMs()),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AuthError(401, 'auth.token_expired', '登录凭证已过期，请重新登录');
      if (error instanceof joseErrors.JOSEError) {
        throw new AuthError(401, 'auth.invalid_id_token', '登录凭证无效，请重新登录', { reason: error.code });
      }
      throw error;
    }
    const subject = payload[config.subjectClaim];
    if (typeof subject !== 'string' || subject === '' || subject.length > 255) {
      throw new AuthError(401, 'auth.invalid_id_token', '登录凭证无效，请重新登录', { reason: 'ERR_SUBJECT' });
    }
    const claimed = payload[config.roleClaim];
    const values = Array.isArray(claimed) ? claimed : claimed === undefined ? [] : [claimed];
    const roles = [];
    for (const value of values) {
      if (typeof value !== 'string' || !Object.hasOwn(config.roleMap, value)) continue;
      const role = config.roleMap[value];
      if (!roles.includes(role)) roles.push(role);
    }
    const patientId = payload[config.patientIdClaim];
    const name = payload[config.nameClaim];
    return {
      provider: config.issuer,
      subject,
      roles,
      patientId: typeof patientId === 'string' && patientId !== '' ? patientId : null,
      name: typeof name === 'string' ? name.slice(0, 64) : '',
    };
  }

  return Object.freeze({ verify, config });
}
