// The hospital desk's staff calls over HTTP (scripts/backend/console/):
// hospital events by hand and by CSV import, the recovery list and its
// calls, doctor-approved rest days, the counter's day list. Staff work
// online: nothing is queued; every mutation carries its own Idempotency-Key.

const strip = ({ serverTimeMs, replayed, ...rest }) => rest;

/** Bytes → base64, in chunks (a day's CSV may hold a million bytes). */
export function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * @param {{request: Function, newKey: () => string}} deps  http.js's request() and key maker
 */
export function hospitalDeskHttp({ request, newKey }) {
  const get = async (path) => strip(await request('GET', path, { retries: 1 }));
  const post = async (path, body) => strip(await request('POST', path, { body, idempotencyKey: `desk-${newKey()}`, retries: 0 }));
  return {
    async listEventReferrals({ q = '', limit = 50 } = {}) {
      return get(`/staff/event-referrals?q=${encodeURIComponent(q)}&limit=${limit}`);
    },
    async recordHospitalEvent({ referralId, event, atMs }) {
      return post('/staff/referral-events', { referralId, event, ...(atMs ? { atMs } : {}) });
    },
    /** @param {{fileName: string, bytes: Uint8Array, encoding?: string}} file */
    async importHospitalEvents({ fileName, bytes, encoding }) {
      return post('/staff/referral-events/import', { fileName, csvBase64: toBase64(bytes), ...(encoding ? { encoding } : {}) });
    },
    async getRecoveryList() {
      return get('/staff/recovery');
    },
    async recordRecoveryCall({ referralId, outcome, note }) {
      return post('/staff/recovery/calls', { referralId, outcome, ...(note ? { note } : {}) });
    },
    async getRestDays(patientId) {
      return get(`/staff/rest-days?patientId=${encodeURIComponent(patientId)}`);
    },
    async approveRestDays({ patientId, fromDate, toDate, reason }) {
      return post('/staff/rest-days', { patientId, fromDate, ...(toDate ? { toDate } : {}), reason });
    },
    async getDayRedemptions(day) {
      return get(`/staff/vouchers/redemptions${day ? `?day=${encodeURIComponent(day)}` : ''}`);
    },
  };
}

/** The methods above (the staff roles name them; web/backend/staff-roles.js). */
export const HOSPITAL_DESK_METHODS = Object.freeze([
  'listEventReferrals', 'recordHospitalEvent', 'importHospitalEvents', 'getRecoveryList', 'recordRecoveryCall',
  'getRestDays', 'approveRestDays', 'getDayRedemptions',
]);

/** The hospital desk's screens and methods per role, as the server's policy adds them (console/desk-policy.mjs). */
export const HOSPITAL_DESK_ROLES = Object.freeze({
  nurse: { screens: ['events'], methods: ['listEventReferrals', 'recordHospitalEvent', 'importHospitalEvents', 'getDayRedemptions'] },
  doctor: { screens: ['events', 'restdays'], methods: ['listEventReferrals', 'recordHospitalEvent', 'getRestDays', 'approveRestDays'] },
  service: { screens: ['recovery'], methods: ['getRecoveryList', 'recordRecoveryCall', 'getDayRedemptions'] },
  operations: {
    screens: ['events', 'recovery'],
    methods: ['listEventReferrals', 'recordHospitalEvent', 'importHospitalEvents', 'getRecoveryList', 'recordRecoveryCall', 'getDayRedemptions'],
  },
});
