#include "referral/forest_json.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <limits>
#include <new>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/civil_date.hpp"
#include "common/json_io.hpp"
#include "common/utf8.hpp"
#include "referral/forest_table.hpp"
#include "referral/referral_json.hpp"

namespace carecircle::forest_json {
namespace {

using json_io::Json;

// The same limits as the ordinary decoder (referral_json.cpp): beyond them the
// ordinary decoder gives the error.
constexpr std::size_t kMaxBytes = 160u << 20;
constexpr std::size_t kMaxRecords = 2'000'000;
constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxTitleBytes = 128;
constexpr std::size_t kMaxCollapsed = 100'000;

enum class Top : std::uint8_t {
  kNone,
  kNowMs,
  kUtcOffset,
  kRecords,
  kPatients,
  kRequireKnown,
  kLayout,
  kCollapsed,
  kViewport,
  kMaxVisible,
  kColumns,
};

enum class Where : std::uint8_t {
  kStart,        // before the request object
  kTop,          // in the request object
  kRecords,      // in the records array
  kRecord,       // in one record
  kPatients,     // in the patients array
  kPatient,      // in one patient
  kLayout,       // in the layout object
  kCollapsed,    // in the collapsed array
  kViewport,     // in the viewport object
  kDone,         // after the request object
};

struct Decoded {
  TreeRequest request;
  std::vector<std::string> collapsed;
  Viewport viewport;
  bool hasViewport = false;
  std::int64_t maxVisible = 5000;
  bool columns = false;
  bool hasRecords = false;
};

// Reads one request; every callback returns false ("not mine") at the first
// thing the ordinary decoder would refuse or treat specially.
class Reader : public nlohmann::json_sax<Json> {
 public:
  Reader(Decoded& out, bool forest) : out_(out), forest_(forest) {}

  bool null() override { return false; }  // null = absent there: the ordinary lane

  bool boolean(bool value) override {
    if (where_ == Where::kTop) {
      if (top_ == Top::kRequireKnown) return set(out_.request.graph.requireKnownPatients, value);
      if (top_ == Top::kColumns) return set(out_.columns, value);
      return false;
    }
    if (where_ == Where::kRecord && field_ == kConsent) {
      record_.consentToShareProgress = value;
      return true;
    }
    return false;
  }

  bool number_integer(std::int64_t value) override { return integer(value); }

  bool number_unsigned(std::uint64_t value) override {
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
    return integer(static_cast<std::int64_t>(value));
  }

  bool number_float(double value, const std::string& /*text*/) override {
    // Only lengths and viewport corners may be fractional.
    return real(value);
  }

  bool string(std::string& value) override {
    if (where_ == Where::kRecord) {
      switch (field_) {
        case kId:
          return text(record_.id, value, kMaxIdBytes, true);
        case kReferrer:
          return text(record_.referrerId, value, kMaxIdBytes, true);
        case kReferee:
          return text(record_.refereeId, value, kMaxIdBytes, true);
        case kTitle:
          return text(record_.rewardTitle, value, kMaxTitleBytes, false);
        default:
          return false;
      }
    }
    if (where_ == Where::kPatient) {
      if (field_ == kPatientId) return text(patient_.id, value, kMaxIdBytes, true);
      if (field_ == kPatientName) return text(patient_.name, value, kMaxNameBytes, false);
      return false;
    }
    if (where_ == Where::kCollapsed) {
      if (value.size() > kMaxIdBytes || out_.collapsed.size() >= kMaxCollapsed) return false;
      out_.collapsed.push_back(std::move(value));
      return true;
    }
    return false;
  }

  bool binary(binary_t& /*value*/) override { return false; }

  bool start_object(std::size_t /*elements*/) override {
    switch (where_) {
      case Where::kStart:
        where_ = Where::kTop;
        return true;
      case Where::kRecords:
        if (out_.request.records.size() >= kMaxRecords) return false;
        where_ = Where::kRecord;
        record_ = ReferralRecord{};
        seen_ = 0;
        return true;
      case Where::kPatients:
        if (out_.request.patients.size() >= kMaxRecords) return false;
        where_ = Where::kPatient;
        patient_ = PatientRecord{};
        seen_ = 0;
        return true;
      case Where::kTop:
        if (top_ == Top::kLayout) {
          where_ = Where::kLayout;
          seen_ = 0;
          return true;
        }
        if (top_ == Top::kViewport) {
          where_ = Where::kViewport;
          seen_ = 0;
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  bool end_object() override {
    switch (where_) {
      case Where::kTop:
        where_ = Where::kDone;
        return true;
      case Where::kRecord: {
        // id, referrerId, refereeId and invitedAtMs are required.
        constexpr std::uint32_t required =
            (1u << kId) | (1u << kReferrer) | (1u << kReferee) | (1u << kInvited);
        if ((seen_ & required) != required) return false;
        out_.request.records.push_back(std::move(record_));
        where_ = Where::kRecords;
        return true;
      }
      case Where::kPatient:
        if (!(seen_ & (1u << kPatientId))) return false;
        out_.request.patients.push_back(std::move(patient_));
        where_ = Where::kPatients;
        return true;
      case Where::kLayout:
        where_ = Where::kTop;
        return true;
      case Where::kViewport:
        if (seen_ != 0xF) return false;  // all four corners
        out_.hasViewport = true;
        where_ = Where::kTop;
        return true;
      default:
        return false;
    }
  }

  bool start_array(std::size_t /*elements*/) override {
    if (where_ != Where::kTop) return false;
    if (top_ == Top::kRecords) {
      where_ = Where::kRecords;
      out_.hasRecords = true;
      return true;
    }
    if (top_ == Top::kPatients) {
      where_ = Where::kPatients;
      return true;
    }
    if (top_ == Top::kCollapsed) {
      where_ = Where::kCollapsed;
      return true;
    }
    return false;
  }

  bool end_array() override {
    if (where_ == Where::kRecords || where_ == Where::kPatients || where_ == Where::kCollapsed) {
      where_ = Where::kTop;
      return true;
    }
    return false;
  }

  bool key(std::string& name) override {
    switch (where_) {
      case Where::kTop:
        return topKey(name);
      case Where::kRecord:
        return fieldKey(name, {"id", "referrerId", "refereeId", "invitedAtMs", "registeredAtMs",
                               "arrivedAtMs", "convertedAtMs", "vestedAtMs", "voidedAtMs",
                               "consentToShareProgress", "rewardTitle"});
      case Where::kPatient:
        return fieldKey(name, {"id", "name", "firstVisitAtMs"});
      case Where::kLayout:
        return fieldKey(name, {"nodeWidth", "levelHeight", "siblingSeparation", "cousinSeparation"});
      case Where::kViewport:
        return fieldKey(name, {"x0", "y0", "x1", "y1"});
      default:
        return false;
    }
  }

  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*error*/) override {
    return false;
  }

 private:
  // Record fields, in the order of fieldKey's list.
  enum : int {
    kId,
    kReferrer,
    kReferee,
    kInvited,
    kRegistered,
    kArrived,
    kConverted,
    kVested,
    kVoided,
    kConsent,
    kTitle,
  };
  // Patient fields.
  enum : int { kPatientId, kPatientName, kPatientFirstVisit };

  template <typename T>
  bool set(T& slot, T value) {
    slot = value;
    return true;
  }

  bool topKey(const std::string& name) {
    struct Entry {
      const char* name;
      Top top;
      bool forestOnly;
    };
    static constexpr Entry kKeys[] = {
        {"nowMs", Top::kNowMs, false},
        {"utcOffsetMinutes", Top::kUtcOffset, false},
        {"records", Top::kRecords, false},
        {"patients", Top::kPatients, false},
        {"requireKnownPatients", Top::kRequireKnown, false},
        {"layout", Top::kLayout, true},
        {"collapsed", Top::kCollapsed, true},
        {"viewport", Top::kViewport, true},
        {"maxVisible", Top::kMaxVisible, true},
        {"columns", Top::kColumns, true},
    };
    for (const Entry& e : kKeys) {
      if (name != e.name) continue;
      if (e.forestOnly && !forest_) return false;
      const auto bit = 1u << static_cast<unsigned>(e.top);
      if (topSeen_ & bit) return false;  // a repeated key: the ordinary lane keeps the last
      topSeen_ |= bit;
      top_ = e.top;
      return true;
    }
    return false;
  }

  bool fieldKey(const std::string& name, std::initializer_list<const char*> names) {
    int k = 0;
    for (const char* candidate : names) {
      if (name == candidate) {
        if (seen_ & (1u << k)) return false;
        seen_ |= 1u << k;
        field_ = k;
        return true;
      }
      ++k;
    }
    return false;
  }

  static bool instant(std::int64_t& slot, std::int64_t value) {
    if (value < 0 || value > kMaxInstantMs) return false;
    slot = value;
    return true;
  }

  bool text(std::string& slot, std::string& value, std::size_t maxBytes, bool required) {
    if (value.size() > maxBytes || (required && value.empty())) return false;
    slot = std::move(value);
    return true;
  }

  bool integer(std::int64_t value) {
    switch (where_) {
      case Where::kTop:
        switch (top_) {
          case Top::kNowMs:
            return instant(out_.request.graph.nowMs, value);
          case Top::kUtcOffset:
            if (value < -kMaxUtcOffsetMinutes || value > kMaxUtcOffsetMinutes) return false;
            out_.request.utcOffsetMinutes = static_cast<int>(value);
            return true;
          case Top::kMaxVisible:
            if (value < 1 || value > 200'000) return false;
            out_.maxVisible = value;
            return true;
          default:
            return false;
        }
      case Where::kRecord:
        switch (field_) {
          case kInvited:
            return instant(record_.invitedAtMs, value);
          case kRegistered:
            return instant(record_.registeredAtMs, value);
          case kArrived:
            return instant(record_.arrivedAtMs, value);
          case kConverted:
            return instant(record_.convertedAtMs, value);
          case kVested:
            return instant(record_.vestedAtMs, value);
          case kVoided:
            return instant(record_.voidedAtMs, value);
          default:
            return false;
        }
      case Where::kPatient:
        return field_ == kPatientFirstVisit && instant(patient_.firstVisitAtMs, value);
      case Where::kLayout:
      case Where::kViewport:
        return real(static_cast<double>(value));
      default:
        return false;
    }
  }

  bool real(double value) {
    if (!std::isfinite(value)) return false;
    if (where_ == Where::kLayout) {
      if (value <= 0 || value > 1e6) return false;
      LayoutOptions& l = out_.request.layout;
      double* slots[] = {&l.dx, &l.dy, &l.siblingSeparation, &l.cousinSeparation};
      *slots[field_] = value;
      return true;
    }
    if (where_ == Where::kViewport) {
      double* slots[] = {&out_.viewport.x0, &out_.viewport.y0, &out_.viewport.x1,
                         &out_.viewport.y1};
      *slots[field_] = value;
      return true;
    }
    return false;
  }

  Decoded& out_;
  bool forest_;
  Where where_ = Where::kStart;
  Top top_ = Top::kNone;
  std::uint32_t topSeen_ = 0;
  std::uint32_t seen_ = 0;
  int field_ = 0;
  ReferralRecord record_;
  PatientRecord patient_;
};

// A strict JSON scanner for the Reader: nlohmann's own lexer keeps every
// character twice (for its error messages) and costs ~30 ns a character in
// wasm, more than the graph and the layout of the whole forest. This one
// accepts only what RFC 8259 accepts; whatever it is unsure of (numbers
// beyond 64 bits, nesting deeper than the requests have) it leaves to the
// ordinary lane, like everything the Reader refuses.
class Scanner {
 public:
  Scanner(std::string_view text, Reader& reader)
      : p_(text.data()), end_(text.data() + text.size()), reader_(reader) {}

  bool run() {
    // Iterative: a stack of "in an object" flags, at most kMaxDepth deep.
    constexpr int kMaxDepth = 8;
    bool inObject[kMaxDepth];
    int depth = 0;
    skipSpace();
    if (!value(inObject, depth, kMaxDepth)) return false;
    while (depth > 0) {
      skipSpace();
      if (p_ == end_) return false;
      const char c = *p_;
      if (c == (inObject[depth - 1] ? '}' : ']')) {
        ++p_;
        --depth;
        if (!(inObject[depth] ? reader_.end_object() : reader_.end_array())) return false;
        continue;
      }
      if (c != ',') return false;
      ++p_;
      skipSpace();
      if (inObject[depth - 1] && !member()) return false;
      if (!value(inObject, depth, kMaxDepth)) return false;
    }
    skipSpace();
    return p_ == end_;
  }

 private:
  void skipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  // `"key"` and the colon of an object member.
  bool member() {
    if (!string(buffer_)) return false;
    if (!reader_.key(buffer_)) return false;
    skipSpace();
    if (p_ == end_ || *p_ != ':') return false;
    ++p_;
    skipSpace();
    return true;
  }

  // One value; an opened object or array is pushed and its first member
  // (or its immediate end) read, the rest is run()'s loop.
  bool value(bool* inObject, int& depth, int maxDepth) {
    if (p_ == end_) return false;
    const char c = *p_;
    if (c == '{' || c == '[') {
      if (depth == maxDepth) return false;
      const bool object = c == '{';
      ++p_;
      if (!(object ? reader_.start_object(static_cast<std::size_t>(-1))
                   : reader_.start_array(static_cast<std::size_t>(-1)))) {
        return false;
      }
      skipSpace();
      if (p_ != end_ && *p_ == (object ? '}' : ']')) {
        ++p_;
        return object ? reader_.end_object() : reader_.end_array();
      }
      inObject[depth++] = object;
      if (object && !member()) return false;
      return value(inObject, depth, maxDepth);
    }
    if (c == '"') return string(buffer_) && reader_.string(buffer_);
    if (c == 't') return literal("true") && reader_.boolean(true);
    if (c == 'f') return literal("false") && reader_.boolean(false);
    if (c == 'n') return literal("null") && reader_.null();
    return number();
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }

  bool number() {
    const char* start = p_;
    const bool negative = p_ != end_ && *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !digit(*p_)) return false;
    std::uint64_t whole = 0;
    bool overflow = false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && digit(*p_)) {
        const auto d = static_cast<std::uint64_t>(*p_ - '0');
        if (whole > (UINT64_MAX - d) / 10) overflow = true;
        whole = whole * 10 + d;
        ++p_;
      }
    }
    bool fraction = false;
    if (p_ != end_ && *p_ == '.') {
      fraction = true;
      ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      fraction = true;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    if (fraction) {
      // Rare here (lengths, viewport corners): strtod, as nlohmann reads them.
      const std::string token(start, p_);
      char* parsedEnd = nullptr;
      const double v = std::strtod(token.c_str(), &parsedEnd);
      if (parsedEnd != token.c_str() + token.size()) return false;
      return reader_.number_float(v, token);
    }
    if (overflow) return false;  // nlohmann would read a float: the ordinary lane
    if (!negative) return reader_.number_unsigned(whole);
    if (whole > static_cast<std::uint64_t>(INT64_MAX) + 1) return false;
    return reader_.number_integer(whole == static_cast<std::uint64_t>(INT64_MAX) + 1
                                      ? INT64_MIN
                                      : -static_cast<std::int64_t>(whole));
  }

  static int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool hex4(std::uint32_t& out) {
    if (end_ - p_ < 4) return false;
    out = 0;
    for (int k = 0; k < 4; ++k) {
      const int h = hexValue(p_[k]);
      if (h < 0) return false;
      out = out * 16 + static_cast<std::uint32_t>(h);
    }
    p_ += 4;
    return true;
  }

  // A string into `out`, escapes decoded; raw bytes must be valid UTF-8 and
  // no control character may appear unescaped.
  bool string(std::string& out) {
    if (p_ == end_ || *p_ != '"') return false;
    ++p_;
    out.clear();
    bool wide = false;
    while (true) {
      const char* run = p_;
      while (p_ != end_ && *p_ != '"' && *p_ != '\\' &&
             static_cast<unsigned char>(*p_) >= 0x20) {
        wide |= static_cast<unsigned char>(*p_) >= 0x80;
        ++p_;
      }
      out.append(run, p_);
      if (p_ == end_ || static_cast<unsigned char>(*p_) < 0x20) return false;
      if (*p_ == '"') {
        ++p_;
        return !wide || validUtf8(out);
      }
      ++p_;  // a backslash
      if (p_ == end_) return false;
      const char e = *p_++;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            std::uint32_t low = 0;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          appendUtf8(out, cp);
          break;
        }
        default:
          return false;
      }
    }
  }

  const char* p_;
  const char* end_;
  Reader& reader_;
  std::string buffer_;
};

std::optional<Decoded> decode(std::string_view text, bool forest) {
  if (text.size() > kMaxBytes) return std::nullopt;
  Decoded out;
  Reader reader(out, forest);
  if (!Scanner(text, reader).run() || !out.hasRecords) return std::nullopt;
  return out;
}

// ------------------------------------------------------------ writing

// Appends what nlohmann's dump(-1, ' ', false, replace) writes for a string:
// '"' and '\\' escaped, \b \f \n \r \t, other control bytes as \u00xx, UTF-8
// as it is. A string that is not valid UTF-8 is left to nlohmann itself (its
// replace handler substitutes U+FFFD).
void appendString(std::string& out, std::string_view s) {
  if (!validUtf8(s)) {
    out += Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void appendInt(std::string& out, std::int64_t v) { out += std::to_string(v); }

// nlohmann's number_float dump: Grisu2's shortest round-trip digits with
// ".0" on integral values (its serializer calls this same function).
void appendDouble(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  std::array<char, 64> buffer{};
  char* end = nlohmann::detail::to_chars(buffer.data(), buffer.data() + buffer.size(), v);
  out.append(buffer.data(), end);
}

void appendIssues(std::string& out, const std::vector<GraphIssue>& issues, std::size_t max) {
  out += '[';
  for (std::size_t i = 0; i < issues.size() && i < max; ++i) {
    if (i) out += ',';
    out += "{\"code\":";
    appendString(out, issues[i].code);
    out += ",\"message\":";
    appendString(out, issues[i].message);
    out += ",\"recordIds\":[";
    for (std::size_t k = 0; k < issues[i].recordIds.size(); ++k) {
      if (k) out += ',';
      appendString(out, issues[i].recordIds[k]);
    }
    out += "]}";
  }
  out += ']';
}

template <typename Fn>
void appendColumn(std::string& out, const char* name, std::size_t n, Fn each) {
  out += '"';
  out += name;
  out += "\":[";
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out += ',';
    each(i);
  }
  out += ']';
}

std::string writeColumns(const StaffForestTable& t, const TreeRequest& request) {
  const ReferralGraph& g = t.graph;
  const ForestColumns& c = t.columns;
  const std::size_t rows = c.x.size();
  std::string out;
  out.reserve(256 + rows * 64);
  // Keys in ascending byte order, as nlohmann's objects come out.
  out += "{\"ok\":true,\"value\":{\"bounds\":{\"maxX\":";
  appendDouble(out, c.maxX);
  out += ",\"maxY\":";
  appendDouble(out, c.maxY);
  out += ",\"minX\":";
  appendDouble(out, c.minX);
  out += "},\"columns\":{";
  appendColumn(out, "depth", rows, [&](std::size_t i) { appendInt(out, c.depth[i]); });
  out += ',';
  appendColumn(out, "hiddenChildren", rows,
               [&](std::size_t i) { appendInt(out, c.hiddenChildren[i]); });
  out += ',';
  appendColumn(out, "key", rows, [&](std::size_t i) { appendString(out, g.ids[c.node[i]]); });
  out += ',';
  appendColumn(out, "label", rows, [&](std::size_t i) {
    appendString(out, forestLabel(g, request.patients, c.node[i]));
  });
  out += ',';
  appendColumn(out, "parent", rows, [&](std::size_t i) { appendInt(out, c.parentRow[i]); });
  out += ',';
  appendColumn(out, "sublabel", rows,
               [&](std::size_t i) { appendString(out, forestSublabel(g, c.node[i])); });
  out += ',';
  appendColumn(out, "x", rows, [&](std::size_t i) { appendDouble(out, c.x[i]); });
  out += "},\"issueCount\":";
  appendInt(out, static_cast<std::int64_t>(g.issues.size()));
  out += ",\"issues\":";
  appendIssues(out, g.issues, 100);
  out += ",\"levelCounts\":[";
  for (std::size_t d = 0; d < c.levelCounts.size(); ++d) {
    if (d) out += ',';
    appendInt(out, c.levelCounts[d]);
  }
  out += "],\"levelHeight\":";
  appendDouble(out, request.layout.dy);
  out += ",\"nodeCount\":";
  appendInt(out, static_cast<std::int64_t>(g.ids.size()));
  out += ",\"nodeWidth\":";
  appendDouble(out, request.layout.dx);
  out += ",\"shownCount\":";
  appendInt(out, static_cast<std::int64_t>(rows));
  out += "}}";
  return out;
}

// The envelope of an unexpected failure after a valid decode, as runEntry
// words it.
std::string failureEnvelope(const char* code, const char* message) {
  return json_io::errorEnvelope({code, message, ""});
}

}  // namespace

std::optional<std::string> analyzeReferrals(std::string_view text) {
  try {
    std::optional<Decoded> d = decode(text, /*forest=*/false);
    if (!d) return std::nullopt;
    const TreeRequest& r = d->request;
    // The reply is small (counts and at most 1,000 issues): the ordinary
    // lane's own writer.
    return json_io::okEnvelope(
        analyzeReply(buildReferralGraph(r.records, r.patients, r.graph), r.records.size()));
  } catch (const std::bad_alloc&) {
    return failureEnvelope("input.too_large", "数据量超出可处理范围");
  } catch (...) {
    return failureEnvelope("internal.unexpected", "系统内部错误，请稍后重试");
  }
}

std::optional<std::string> layoutForestColumns(std::string_view text) {
  try {
    std::optional<Decoded> d = decode(text, /*forest=*/true);
    if (!d || !d->columns || d->hasViewport) return std::nullopt;
    return writeColumns(staffForestTable(d->request, d->collapsed), d->request);
  } catch (const std::bad_alloc&) {
    return failureEnvelope("input.too_large", "数据量超出可处理范围");
  } catch (...) {
    return failureEnvelope("internal.unexpected", "系统内部错误，请稍后重试");
  }
}

}  // namespace carecircle::forest_json
