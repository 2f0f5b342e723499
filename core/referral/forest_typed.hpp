// The staff forest over typed columns (layoutForestTyped, docs/api/referral.md):
// the request's records and patients as parallel columns — numbers in typed
// arrays, strings packed as one text plus boundaries — and the reply's rows
// the same way, labels included. Same rules, same checks and the same rows
// as layoutForest with "columns": true; only the form differs, so that a
// console holding 100k+ patients never builds or parses megabytes of JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "referral/forest_table.hpp"

namespace carecircle {

// Strings packed as JavaScript keeps them: string i is the UTF-16 code units
// [offsets[i], offsets[i + 1]) of `text` (here held as UTF-8). offsets has
// count + 1 entries, starts at 0, never decreases and ends at the text's
// length in UTF-16 units.
struct PackedText {
  std::string text;
  std::vector<std::uint32_t> offsets;
};

// Appends `s` (UTF-8) as the next string of `packed`.
void appendPacked(PackedText& packed, const std::string& s);

struct TypedRecords {
  PackedText id, referrerId, refereeId;  // required, one string per record
  bool hasRewardTitle = false;
  PackedText rewardTitle;
  // Instants in epoch ms, one per record; 0 = not yet. invitedAtMs is
  // required; an absent column is all zeros.
  std::vector<double> invitedAtMs, registeredAtMs, arrivedAtMs, convertedAtMs, vestedAtMs,
      voidedAtMs;
  std::vector<std::uint8_t> consentToShareProgress;  // absent: no consent
};

struct TypedPatients {
  PackedText id;  // required
  bool hasName = false;
  PackedText name;                     // full names, masked by the core
  std::vector<double> firstVisitAtMs;  // absent: unknown
};

struct TypedForestRequest {
  std::int64_t nowMs = 0;
  bool requireKnownPatients = false;
  LayoutOptions layout{88, 120, 1, 2};
  TypedRecords records;
  bool hasPatients = false;
  TypedPatients patients;
  std::vector<std::string> collapsed;  // patient ids whose children are hidden
};

// The TreeRequest layoutForest would decode from the same data. Errors (code,
// path) as layoutForest's for the same fault: input.missing_field (an empty
// id), input.out_of_range (an id over 128 bytes, a name over 64, an instant
// outside 0..2200-01-01 or not whole, a layout length outside (0, 1e6]),
// input.too_many_items (over 2,000,000 records or patients), and
// input.bad_shape for columns of different lengths or offsets that do not
// cut the text into strings.
Result<TreeRequest> decodeTypedForest(const TypedForestRequest& request);

struct TypedForestRows {
  PackedText key, label, sublabel;   // per row: patient id, masked name, stage words
  std::vector<std::int32_t> patient;  // per row: index into the request's patients, -1 if unlisted
};

// The texts of every row of `table` (decoded from `request`).
TypedForestRows typedForestRows(const StaffForestTable& table, const TreeRequest& request);

}  // namespace carecircle
