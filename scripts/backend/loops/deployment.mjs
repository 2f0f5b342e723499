// A deployment's public face: the hospital's name, its logo and the public
// join URL every referral QR, link and share carries (`<joinUrl>?c=<code>`,
// nothing personal). Configured per deployment with a JSON file
// (`--deployment FILE`) and/or flags (`--join-url`, `--hospital-name`,
// `--logo`, `--mini-program-path`); flags win over the file. The shell reads
// it from GET /api/v1/deployment (no sign-in: the friend's join page shows
// the hospital before anyone signs in) and the patient's own code and link
// from GET /api/v1/me/referral-code.
//
// The link base is checked by the core (checkReferralCode with linkBase:
// https, or http on the loopback address for a demo on this machine; no run
// of 7+ digits), once at start: a deployment with a bad join URL does not start.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';

import { ApiError } from '../service.mjs';

/** Longest hospital name shown on the join page and posters (characters). */
export const MAX_HOSPITAL_NAME = 40;
/** Largest logo file served (bytes). */
export const MAX_LOGO_BYTES = 256 * 1024;
const LOGO_TYPES = Object.freeze({ '.png': 'image/png', '.svg': 'image/svg+xml', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' });
/** The demo hospital's name (synthetic, labelled). */
export const DEMO_HOSPITAL_NAME = '康复示范医院（演示）';
/** A mini-program page path: letters, digits, / _ - only (the code follows as ?c=). */
const MINI_PROGRAM_PATH = /^[A-Za-z0-9_/-]{1,100}$/;

/** The parameter the join page reads the code from. */
export const JOIN_PARAMETER = 'c';

/**
 * `joinUrl` with the code parameter appended: the link base the core puts in
 * front of a code (…?c= or …&c= when the URL already has a query).
 * @param {string} joinUrl
 */
export function linkBaseOf(joinUrl) {
  const url = joinUrl.split('#', 1)[0];
  return `${url}${url.includes('?') ? (url.endsWith('?') || url.endsWith('&') ? '' : '&') : '?'}${JOIN_PARAMETER}=`;
}

/**
 * Reads and checks the deployment's configuration.
 * @param {{file?: string, joinUrl?: string, hospitalName?: string, logo?: string, miniProgramPath?: string}} options
 * @param {{core: {call: Function}, demo: boolean, demoJoinUrl?: string}} context
 *   demoJoinUrl: the join URL of a demo server on this machine when none is configured.
 * @returns {{hospitalName: string | null, joinUrl: string | null, linkBase: string | null,
 *   miniProgramPath: string | null, logo: {bytes: Buffer, type: string} | null}}
 */
export function loadDeployment(options, { core, demo, demoJoinUrl }) {
  const file = options.file ? JSON.parse(readFileSync(options.file, 'utf8')) : {};
  if (file === null || typeof file !== 'object' || Array.isArray(file)) throw new Error('deployment file: a JSON object is expected');
  const known = new Set(['joinUrl', 'hospitalName', 'logo', 'miniProgramPath']);
  for (const key of Object.keys(file)) if (!known.has(key)) throw new Error(`deployment file: unknown key ${key}`);
  const pick = (key) => options[key] ?? file[key];

  // Unset: the join page and posters name no hospital (a deployment sets it).
  const hospitalName = pick('hospitalName') ?? (demo ? DEMO_HOSPITAL_NAME : null);
  if (hospitalName !== null && (typeof hospitalName !== 'string' || hospitalName.trim() === '' || [...hospitalName].length > MAX_HOSPITAL_NAME)) {
    throw new Error(`--hospital-name: 1–${MAX_HOSPITAL_NAME} characters`);
  }

  const joinUrl = pick('joinUrl') ?? (demo ? demoJoinUrl ?? null : null);
  let linkBase = null;
  if (joinUrl !== null) {
    if (typeof joinUrl !== 'string') throw new Error('--join-url must be a URL');
    linkBase = linkBaseOf(joinUrl);
    // The core's own check of a link base, with a valid sample code.
    const checked = core.call('checkReferralCode', { code: '7YD0RMEJX1XM6', linkBase });
    if (!checked.ok) throw new Error(`--join-url ${joinUrl}: ${checked.error.message}`);
  }

  const miniProgramPath = pick('miniProgramPath') ?? null;
  if (miniProgramPath !== null && (typeof miniProgramPath !== 'string' || !MINI_PROGRAM_PATH.test(miniProgramPath))) {
    throw new Error('--mini-program-path: a page path such as pages/join/join');
  }

  let logo = null;
  const logoPath = pick('logo');
  if (logoPath) {
    const type = LOGO_TYPES[extname(logoPath).toLowerCase()];
    if (!type) throw new Error(`--logo: a ${Object.keys(LOGO_TYPES).join(' / ')} file is expected`);
    const bytes = readFileSync(logoPath);
    if (bytes.length === 0 || bytes.length > MAX_LOGO_BYTES) throw new Error(`--logo: at most ${MAX_LOGO_BYTES} bytes`);
    logo = { bytes, type };
  }
  return Object.freeze({ hospitalName: hospitalName?.trim() ?? null, joinUrl, linkBase, miniProgramPath, logo });
}

/** Where the logo is served (outside the API: an image, not JSON), same origin as the shell. */
export const LOGO_PATH = '/hospital-logo';

/** What GET /deployment answers (public: nothing personal, nothing secret). */
export function describeDeployment(deployment) {
  return {
    hospitalName: deployment.hospitalName,
    logoUrl: deployment.logo ? LOGO_PATH : null,
    joinUrl: deployment.joinUrl,
    miniProgramPath: deployment.miniProgramPath,
  };
}

/**
 * GET /me/referral-code: the caller's code, grouped for reading, and the
 * link a QR or share carries (the code in the join URL; null when the
 * deployment has no join URL: then the QR carries the bare code).
 */
export async function getMyReferralCode(client, ctx, patientId) {
  const { rows } = await client.query('SELECT referral_code, is_staff FROM patients WHERE id = $1', [patientId]);
  if (rows.length === 0) throw new ApiError(404, 'patient.unknown', '没有找到这位患者');
  if (!rows[0].referral_code || rows[0].is_staff) throw new ApiError(404, 'referral.no_code', '暂时还没有您的推荐码');
  const linkBase = ctx.deployment?.linkBase ?? null;
  const checked = ctx.core.call('checkReferralCode', linkBase ? { code: rows[0].referral_code, linkBase } : { code: rows[0].referral_code });
  if (!checked.ok) throw new ApiError(500, 'internal.unexpected', '服务器暂时出了点问题，请稍后再试');
  return {
    code: checked.value.code,
    display: checked.value.display,
    linkBase,
    link: linkBase ? checked.value.qrPayload : null,
    qrPayload: checked.value.qrPayload,
    miniProgramPath: ctx.deployment?.miniProgramPath ? `${ctx.deployment.miniProgramPath}?${JOIN_PARAMETER}=${checked.value.code}` : null,
  };
}

/**
 * GET /deployment on the /api/v1 scope (no sign-in).
 * @param {import('fastify').FastifyInstance} api
 * @param {{deployment: () => ReturnType<typeof loadDeployment>, send: Function}} deps
 *   deployment: the configuration (known once the server listens: a demo's join URL names its port)
 */
export function registerDeploymentRoutes(api, { deployment, send }) {
  api.get('/deployment', (request, reply) => send(reply, 200, describeDeployment(deployment())));
}

/**
 * The logo at LOGO_PATH on the server's root (no sign-in), or 404.
 * @param {import('fastify').FastifyInstance} app
 * @param {() => ReturnType<typeof loadDeployment>} deployment
 */
export function registerDeploymentLogo(app, deployment) {
  app.get(LOGO_PATH, (request, reply) => {
    const logo = deployment()?.logo;
    if (!logo) return reply.code(404).type('text/plain; charset=utf-8').send('no logo configured\n');
    return reply.code(200).headers({ 'Cache-Control': 'public, max-age=3600' }).type(logo.type).send(logo.bytes);
  });
}

/** The public API route, for the route list the contract test compares with docs/api/openapi.yaml. */
export const DEPLOYMENT_ROUTES = Object.freeze([{ method: 'GET', path: '/deployment' }]);
