// The offline demo's own deployment configuration (synthetic, labelled 演示):
// the hospital's name and logo shown on the join page and posters, and its
// join URL — the demo page itself, so that a QR scanned on this machine opens
// the demo on the join screen. A real deployment configures its own on the
// server (GET /api/v1/deployment).

/** The demo hospital (the same name the reference backend's demo mode uses). */
export const DEMO_HOSPITAL_NAME = '康复示范医院（演示）';
/** The demo's logo: the app's own icon, same origin. */
export const DEMO_LOGO_URL = './icons/icon.svg';

/**
 * The demo's join URL: this page without query or fragment.
 * @param {Location} [where]
 */
export function demoJoinUrl(where = location) {
  return `${where.origin}${where.pathname}`;
}

/** What GET /deployment would answer for the demo. */
export function demoDeployment(where = location) {
  return { hospitalName: DEMO_HOSPITAL_NAME, logoUrl: DEMO_LOGO_URL, joinUrl: demoJoinUrl(where), miniProgramPath: null };
}
