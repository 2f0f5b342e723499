#include "eligibility/batch_scan.hpp"

#include <cstdint>

#include "common/civil_date.hpp"

namespace carecircle {
namespace {

// The decoder's limits (eligibility_json.cpp): beyond them the general
// decoder answers with its error.
constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxTitleBytes = 256;
constexpr std::size_t kMaxPatients = 10'000;
constexpr std::size_t kMaxReferrals = 10'000;
constexpr std::size_t kMaxIssued = 10'000;

class Scanner {
 public:
  explicit Scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool request(EligibilityBatchRequest& out, std::string& shared) {
    static constexpr std::string_view kSharedKeys[] = {"nowMs", "utcOffsetMinutes", "campaigns",
                                                       "counters", "pools"};
    if (!punct('{')) return false;
    shared.assign("{");
    std::uint32_t seen = 0;
    bool patients = false;
    if (!peek('}')) {
      do {
        std::string_view name;
        if (!string(name) || !punct(':')) return false;
        if (name == "patients") {
          if (patients || !patientList(out)) return false;
          patients = true;
          continue;
        }
        std::size_t index = 0;
        while (index < std::size(kSharedKeys) && kSharedKeys[index] != name) ++index;
        if (index == std::size(kSharedKeys) || (seen & (1u << index))) return false;
        seen |= 1u << index;
        const char* begin = skipValue();
        if (begin == nullptr) return false;
        if (shared.size() > 1) shared += ',';
        shared += '"';
        shared += name;
        shared += "\":";
        shared.append(begin, p_);
      } while (punct(','));
    }
    if (!punct('}')) return false;
    space();
    shared += '}';
    return patients && p_ == end_;
  }

 private:
  void space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool peek(char c) {
    space();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool punct(char c) { return peek(c); }

  // One UTF-8 character of two to four bytes at p_, as RFC 3629 allows it
  // (no overlong forms, no surrogates, nothing above U+10FFFF).
  bool multibyte() {
    const auto at = [this](std::ptrdiff_t i) { return static_cast<unsigned char>(p_[i]); };
    const auto cont = [&](std::ptrdiff_t i, unsigned lo, unsigned hi) {
      return p_ + i < end_ && at(i) >= lo && at(i) <= hi;
    };
    const unsigned c = at(0);
    int length = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      length = cont(1, 0x80, 0xBF) ? 2 : 0;
    } else if (c == 0xE0) {
      length = cont(1, 0xA0, 0xBF) && cont(2, 0x80, 0xBF) ? 3 : 0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      length = cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) ? 3 : 0;
    } else if (c == 0xED) {
      length = cont(1, 0x80, 0x9F) && cont(2, 0x80, 0xBF) ? 3 : 0;
    } else if (c == 0xF0) {
      length = cont(1, 0x90, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
    } else if (c >= 0xF1 && c <= 0xF3) {
      length = cont(1, 0x80, 0xBF) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
    } else if (c == 0xF4) {
      length = cont(1, 0x80, 0x8F) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
    }
    p_ += length;
    return length != 0;
  }

  // A string without escapes or control characters, valid UTF-8: its bytes
  // are its value.
  bool string(std::string_view& out) {
    if (!peek('"')) return false;
    const char* begin = p_;
    while (p_ < end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out = std::string_view(begin, static_cast<std::size_t>(p_ - begin));
        ++p_;
        return true;
      }
      if (c < 0x80) {
        if (c == '\\' || c < 0x20) return false;
        ++p_;
      } else if (!multibyte()) {
        return false;
      }
    }
    return false;
  }

  // A text field of at most maxBytes (required: not empty either).
  bool text(std::string& out, std::size_t maxBytes, bool required) {
    std::string_view s;
    if (!string(s) || s.size() > maxBytes || (required && s.empty())) return false;
    out.assign(s.data(), s.size());
    return true;
  }

  bool flag(bool& out) {
    space();
    const auto rest = static_cast<std::size_t>(end_ - p_);
    if (rest >= 4 && std::string_view(p_, 4) == "true") {
      p_ += 4;
      out = true;
      return true;
    }
    if (rest >= 5 && std::string_view(p_, 5) == "false") {
      p_ += 5;
      out = false;
      return true;
    }
    return false;
  }

  // A non-negative integer as JSON writes it (no sign, fraction, exponent or
  // leading zero), within [min, max].
  bool integer(std::int64_t min, std::int64_t max, std::int64_t& out) {
    space();
    const char* begin = p_;
    std::int64_t n = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      if (p_ - begin == 16) return false;
      n = n * 10 + (*p_ - '0');
      ++p_;
    }
    if (p_ == begin || (*begin == '0' && p_ - begin > 1)) return false;
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    if (n < min || n > max) return false;
    out = n;
    return true;
  }

  bool instant(std::int64_t& out) {
    std::int64_t ms = 0;
    if (!integer(0, kMaxInstantMs, ms) || (ms != 0 && ms < kMinInstantMs)) return false;
    out = ms;
    return true;
  }

  // The extent of any value, for the caller to parse as JSON: strings and
  // brackets are followed, nothing is checked (the parser does that).
  const char* skipValue() {
    space();
    const char* begin = p_;
    int depth = 0;
    while (p_ < end_) {
      const char c = *p_;
      if (c == '"') {
        ++p_;
        while (p_ < end_ && *p_ != '"') {
          if (*p_ == '\\' && ++p_ == end_) return nullptr;
          ++p_;
        }
        if (p_ == end_) return nullptr;
        ++p_;
      } else if (c == '{' || c == '[') {
        ++depth;
        ++p_;
      } else if (c == '}' || c == ']') {
        if (depth == 0) break;
        --depth;
        ++p_;
      } else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
        break;
      } else {
        ++p_;
      }
      if (depth == 0 && (c == '"' || c == '}' || c == ']')) break;
    }
    return p_ == begin || depth != 0 ? nullptr : begin;
  }

  // `{ "key": value, ... }` with each key of `keys` at most once; `member`
  // reads the value of the key at the given index. `seen` gets the keys met.
  template <std::size_t N, typename Member>
  bool object(const std::string_view (&keys)[N], std::uint32_t& seen, Member&& member) {
    if (!punct('{')) return false;
    seen = 0;
    if (peek('}')) return true;
    do {
      std::string_view name;
      if (!string(name) || !punct(':')) return false;
      std::size_t index = 0;
      while (index < N && keys[index] != name) ++index;
      if (index == N || (seen & (1u << index))) return false;
      seen |= 1u << index;
      if (!member(index)) return false;
    } while (punct(','));
    return punct('}');
  }

  template <typename T, typename Item>
  bool list(std::vector<T>& out, std::size_t max, Item&& item) {
    if (!punct('[')) return false;
    if (peek(']')) return true;
    do {
      if (out.size() >= max) return false;
      out.emplace_back();
      if (!item(out.back())) return false;
    } while (punct(','));
    return punct(']');
  }

  bool patientList(EligibilityBatchRequest& out) {
    return list(out.patients, kMaxPatients, [this](PatientCase& c) { return patientCase(c); });
  }

  bool patientCase(PatientCase& c) {
    static constexpr std::string_view kKeys[] = {"patient", "referrals", "milestones", "issued"};
    std::uint32_t seen = 0;
    const bool ok = object(kKeys, seen, [&](std::size_t field) {
      switch (field) {
        case 0:
          return patient(c.patient);
        case 1:
          return list(c.referrals, kMaxReferrals, [this](ReferralFacts& r) { return referral(r); });
        case 2:
          return list(c.milestones, kMaxIssued, [this](MilestoneFact& m) { return milestone(m); });
        default:
          return list(c.issued, kMaxIssued, [this](IssuedReward& i) { return issued(i); });
      }
    });
    return ok && (seen & 1u);
  }

  bool patient(PatientFacts& p) {
    static constexpr std::string_view kKeys[] = {"id", "isStaff", "isCommunityMember"};
    std::uint32_t seen = 0;
    const bool ok = object(kKeys, seen, [&](std::size_t field) {
      switch (field) {
        case 0:
          return text(p.id, kMaxIdBytes, true);
        case 1:
          return flag(p.isStaff);
        default:
          return flag(p.isCommunityMember);
      }
    });
    return ok && (seen & 1u);
  }

  bool referral(ReferralFacts& x) {
    std::uint32_t seen = 0;
    const bool ok = object(kReferralFactKeys, seen, [&](std::size_t field) {
      switch (field) {
        case 0:
          return text(x.id, kMaxIdBytes, true);
        case 1:
          return text(x.referrerId, kMaxIdBytes, true);
        case 2:
          return text(x.refereeId, kMaxIdBytes, true);
        case 3: {
          std::int64_t level = 0;
          if (!integer(1, 1000, level)) return false;
          x.level = static_cast<int>(level);
          return true;
        }
        case 4:
          return text(x.channel, 32, false);
        case 5:
          return flag(x.refereeIsNewPatient);
        case 6:
          return flag(x.refereeIsInpatient);
        case 7:
          return flag(x.referrerIsMember);
        case 8:
          return instant(x.registrationConfirmedAtMs);
        case 9:
          return instant(x.arrivalConfirmedAtMs);
        case 10:
          return instant(x.conversionConfirmedAtMs);
        case 11:
          return instant(x.admissionConfirmedAtMs);
        case 12:
          return instant(x.dischargeConfirmedAtMs);
        case 13:
          return instant(x.complaintAtMs);
        default:
          return text(x.refereeName, kMaxTitleBytes, false);
      }
    });
    return ok && (seen & 0b111u) == 0b111u;
  }

  // Only the two fields read: a milestone with a streak report's other
  // fields goes the general way.
  bool milestone(MilestoneFact& x) {
    static constexpr std::string_view kKeys[] = {"key", "ruleId"};
    std::uint32_t seen = 0;
    const bool ok = object(kKeys, seen, [&](std::size_t field) {
      return field == 0 ? text(x.key, kMaxIdBytes * 2, true) : text(x.ruleId, kMaxIdBytes, true);
    });
    return ok && seen == 0b11u;
  }

  bool issued(IssuedReward& x) {
    static constexpr std::string_view kKeys[] = {"grantKey", "campaignId", "title",
                                                 "status",   "issuedAtMs", "usedAtMs"};
    std::uint32_t seen = 0;
    const bool ok = object(kKeys, seen, [&](std::size_t field) {
      switch (field) {
        case 0:
          return text(x.grantKey, kMaxIdBytes * 4, true);
        case 1:
          return text(x.campaignId, kMaxIdBytes, true);
        case 2:
          return text(x.title, kMaxTitleBytes, false);
        case 3: {
          std::string_view s;
          if (!string(s)) return false;
          if (s == "issued")
            x.status = IssuedStatus::kIssued;
          else if (s == "used")
            x.status = IssuedStatus::kUsed;
          else if (s == "void")
            x.status = IssuedStatus::kVoid;
          else
            return false;
          return true;
        }
        case 4:
          return integer(kMinInstantMs, kMaxInstantMs, x.issuedAtMs);
        default:
          return instant(x.usedAtMs);
      }
    });
    return ok && (seen & 0b10011u) == 0b10011u;
  }

  const char* p_;
  const char* end_;
};

}  // namespace

bool scanEligibilityBatchPatients(std::string_view text, EligibilityBatchRequest& out,
                                  std::string& shared) {
  return Scanner(text).request(out, shared);
}

}  // namespace carecircle
