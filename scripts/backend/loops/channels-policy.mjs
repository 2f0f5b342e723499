// Who may use the referral channels (channels.mjs): no imports, so the role
// policy (auth/policy.mjs) can read it without loading the routes.

/**
 * Per role, the screens and routes added after the role's own: a patient
 * reads their own letters and cards; the nurse hands out the discharge card
 * (出院感恩卡 screen) and, with the doctor, saves the KOC assessment.
 */
export const CHANNELS_POLICY = Object.freeze({
  patient: { screens: [], routes: ['GET /me/channel-tokens'] },
  nurse: { screens: ['discharge'], routes: ['GET /staff/discharge-cards', 'POST /staff/discharge-cards', 'POST /staff/koc-assessments'] },
  doctor: { screens: [], routes: ['POST /staff/koc-assessments'] },
});
