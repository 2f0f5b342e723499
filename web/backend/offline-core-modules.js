// The offline demo plays the server in this page, so its methods call the
// core's exports synchronously — poster layout, the wording check, the
// forest, the staff's figures — which live in the core's poster and staff
// modules, loaded on demand (../core.js). A patient's first screen loads the
// patient module only.
//
// withCoreModules(backend) wraps every async method of an offline backend
// once, where the backend is made: a method given the core (any argument
// with `need` and `call`) first awaits the poster and staff modules, unless it
// is one of the methods below, which use the patient module's exports only.
// A method given no core cannot call it and runs as it is; a core without
// `need` (every module in one, e.g. Node's core.mjs) is used as it is.

/** Offline methods that take the core and call patient-module exports only. */
export const PATIENT_MODULE_METHODS = Object.freeze([
  'getReferralCode',    // makeReferralCode, checkReferralCode
  'lookupReferralCode', // checkReferralCode
  'recordPromptShown',  // mayShowInvitePrompt
]);

/** What every other method given the core awaits first. */
export const ON_DEMAND_MODULES = Object.freeze(['poster', 'staff']);

const AsyncFunction = (async () => {}).constructor;
const isCore = (value) => value !== null && typeof value === 'object' && typeof value.need === 'function' && typeof value.call === 'function';

/**
 * Wraps the backend's async methods in place (see above); returns it.
 * @template T
 * @param {T} backend
 * @returns {T}
 */
export function withCoreModules(backend) {
  const patientOnly = new Set(PATIENT_MODULE_METHODS);
  for (const name of Object.keys(/** @type {any} */ (backend))) {
    const method = /** @type {any} */ (backend)[name];
    if (patientOnly.has(name) || !(method instanceof AsyncFunction)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(backend, name);
    if (!descriptor?.writable) continue;
    /** @type {any} */ (backend)[name] = async function withModules(...args) {
      const core = args.find(isCore);
      if (core) await core.need(...ON_DEMAND_MODULES);
      return method.apply(this, args);
    };
  }
  return backend;
}
