// Who may use the hospital desk (hospital-desk.mjs): no imports, so the role
// policy can read it without loading the routes.

/**
 * The hospital desk's screens and routes per staff role, added to the
 * role policy (auth/policy.mjs) after each role's own: 护士 and 医生 record
 * hospital events, 医生 approves rest days, 客服 works the recovery list,
 * 运营 imports a day's events and follows the recovery list; the counter's
 * day list goes with redeeming.
 */
export const HOSPITAL_DESK_POLICY = Object.freeze({
  nurse: {
    screens: ['events'],
    routes: ['GET /staff/event-referrals', 'POST /staff/referral-events/import', 'GET /staff/vouchers/redemptions'],
  },
  doctor: {
    screens: ['events', 'restdays'],
    routes: ['GET /staff/event-referrals', 'GET /staff/rest-days', 'POST /staff/rest-days'],
  },
  service: {
    screens: ['recovery'],
    routes: ['GET /staff/recovery', 'POST /staff/recovery/calls', 'GET /staff/vouchers/redemptions'],
  },
  operations: {
    screens: ['events', 'recovery'],
    routes: [
      'GET /staff/event-referrals', 'POST /staff/referral-events', 'POST /staff/referral-events/import',
      'GET /staff/recovery', 'POST /staff/recovery/calls', 'GET /staff/vouchers/redemptions',
    ],
  },
});
