// Risk flags for staff review (docs/api/referral.md, riskFlags): patterns that
// referral platforms watch for, computed from the registrations and referral
// records the backend keeps. A flag is a question for a person, never a
// verdict: the core returns no action, nothing is voided or blocked by it, and
// a reviewed flag stays listed with who reviewed it.
//
//  - sameDevice / sameAddress: at least `sourceThreshold` registrations share
//    one device or network-address key (salted hashes, never the raw value)
//    within `sourceWindowMs`;
//  - complaints: a referrer with at least `complaintMinFriends` friends of
//    whom at least `complaintShareBp` complained (default: all of them);
//  - codeBurst: at least `burstThreshold` friends join with one referrer's code
//    within `burstWindowMs` — the code was likely posted somewhere public.
//
// A window flag covers an episode: the maximal run of events of one key in
// which every event lies in some window of the given length holding at least
// the threshold's number of events; its id is "<kind>:<key>:<first event ms>",
// stable while the episode grows, so a review stays attached to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "referral/referral_graph.hpp"

namespace carecircle {

struct RegistrationSource {
  std::string patientId;
  std::int64_t atMs = 0;
  std::string deviceKey;   // "" = not recorded
  std::string addressKey;  // "" = not recorded
};

struct RiskConfig {
  int utcOffsetMinutes = 480;
  std::int64_t sourceWindowMs = 24 * 3'600'000;
  int sourceThreshold = 5;
  int complaintMinFriends = 3;
  std::int64_t complaintShareBp = 10'000;
  std::int64_t burstWindowMs = 24 * 3'600'000;
  int burstThreshold = 10;
};

struct RiskReview {
  std::string flagId;
  std::int64_t reviewedAtMs = 0;
  std::string reviewedBy;
  std::string note;
};

struct RiskFlagsRequest {
  std::int64_t nowMs = 0;
  RiskConfig config;
  std::vector<RegistrationSource> registrations;
  std::vector<ReferralRecord> referrals;  // id, referrerId, refereeId, invitedAtMs, voidedAtMs
  std::vector<RiskReview> reviews;
};

enum class RiskKind { kSameDevice, kSameAddress, kComplaints, kCodeBurst };
const char* riskKindName(RiskKind kind);  // "sameDevice" | "sameAddress" | "complaints" | "codeBurst"

struct RiskFlag {
  std::string id;
  RiskKind kind = RiskKind::kSameDevice;
  std::string subject;                  // the device/address key, or the referrer's id
  std::vector<std::string> patientIds;  // who registered / the friends, in time order
  int count = 0;                        // events in the episode (friends for complaints)
  int complaints = 0;                   // complaints only
  int peakInWindow = 0;                 // most events in one window (window kinds)
  std::int64_t firstAtMs = 0, lastAtMs = 0;
  std::optional<RiskReview> review;
};

struct RiskFlags {
  std::vector<RiskFlag> flags;  // open first, then newest last event first, then id
  int open = 0, reviewed = 0;
  int unmatchedReviews = 0;  // reviews of flags no longer raised
};

// Errors: referral.bad_config (windows 1 minute..90 days, thresholds 2..100000,
// share 1..10000, UTC offset), referral.bad_now.
Result<RiskFlags> riskFlags(const RiskFlagsRequest& request);

std::string riskFlagsJson(std::string_view requestText);

}  // namespace carecircle
