// toSvg(): the scene as an SVG document. A pure function of the scene; all
// numbers are integers printed with std::to_string, so the bytes are the same
// in every build. Untrusted text only ever appears XML-escaped, as character
// data of <text> or inside a quoted attribute value — never as markup.
#include <initializer_list>
#include <string>

#include "poster/poster.hpp"

namespace carecircle {
namespace {

void escapeInto(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

class SvgWriter {
 public:
  explicit SvgWriter(std::string& out) : out_(out) {}

  SvgWriter& raw(std::string_view s) {
    out_ += s;
    return *this;
  }
  SvgWriter& attr(const char* name, int value) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    out_ += std::to_string(value);
    out_ += '"';
    return *this;
  }
  SvgWriter& attr(const char* name, std::string_view value) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    escapeInto(out_, value);
    out_ += '"';
    return *this;
  }
  SvgWriter& text(std::string_view value) {
    escapeInto(out_, value);
    return *this;
  }

 private:
  std::string& out_;
};

const char* anchorOf(TextAlign a) {
  switch (a) {
    case TextAlign::kCenter:
      return "middle";
    case TextAlign::kRight:
      return "end";
    default:
      return "start";
  }
}

void roundedRect(SvgWriter& w, int x, int y, int width, int height, int radius) {
  w.raw("<rect").attr("x", x).attr("y", y).attr("width", width).attr("height", height);
  if (radius > 0) w.attr("rx", radius);
}

std::string urlOf(const std::string& id) {
  std::string out = "url(#";
  out.append(id).append(")");
  return out;
}

std::string joined(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) {
    if (!out.empty()) out += ' ';
    out += std::to_string(v);
  }
  return out;
}

struct Emitter {
  SvgWriter& w;
  const Scene& scene;
  int nextId = 0;

  std::string nextIdFor(char prefix) {
    std::string id(1, prefix);
    id += std::to_string(nextId++);
    return id;
  }

  void operator()(const RectOp& o) {
    roundedRect(w, o.x, o.y, o.w, o.h, o.radius);
    w.attr("fill", o.fill).raw("/>");
  }
  void operator()(const GradientOp& o) {
    const std::string id = nextIdFor('g');
    w.raw("<linearGradient").attr("id", id).raw(" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">");
    w.raw("<stop offset=\"0\"").attr("stop-color", o.from).raw("/>");
    w.raw("<stop offset=\"1\"").attr("stop-color", o.to).raw("/></linearGradient>");
    roundedRect(w, o.x, o.y, o.w, o.h, o.radius);
    w.attr("fill", urlOf(id)).raw("/>");
  }
  void operator()(const StrokeOp& o) {
    roundedRect(w, o.x, o.y, o.w, o.h, o.radius);
    w.raw(" fill=\"none\"").attr("stroke", o.color).attr("stroke-width", o.lineWidth).raw("/>");
  }
  void operator()(const CircleOp& o) {
    w.raw("<circle")
        .attr("cx", o.cx)
        .attr("cy", o.cy)
        .attr("r", o.r)
        .attr("fill", o.fill)
        .raw("/>");
  }
  void operator()(const PathOp& o) { w.raw("<path").attr("d", o.d).attr("fill", o.fill).raw("/>"); }
  void operator()(const TextOp& o) {
    w.raw("<text").attr("x", o.x).attr("y", o.y).attr("font-size", o.size);
    if (o.weight != 400) w.attr("font-weight", o.weight);
    if (o.align != TextAlign::kLeft) w.attr("text-anchor", anchorOf(o.align));
    w.attr("fill", o.color).raw(">").text(o.text).raw("</text>");
  }
  void operator()(const ImageOp& o) {
    const auto href = scene.imageHrefs.find(o.slot);
    // Without an href the placeholder rect the layout put underneath shows.
    if (href == scene.imageHrefs.end() || href->second.empty()) return;
    const std::string id = nextIdFor('c');
    w.raw("<clipPath").attr("id", id).raw(">");
    roundedRect(w, o.dx, o.dy, o.dw, o.dh, o.radius);
    w.raw("/></clipPath><g").attr("clip-path", urlOf(id)).raw(">");
    // The nested viewport maps the source rectangle onto the destination,
    // exactly what canvas drawImage(img, sx, sy, sw, sh, dx, dy, dw, dh) does.
    w.raw("<svg").attr("x", o.dx).attr("y", o.dy).attr("width", o.dw).attr("height", o.dh);
    w.attr("viewBox", joined({o.sx, o.sy, o.sw, o.sh}));
    w.raw(" preserveAspectRatio=\"none\"><image")
        .attr("width", o.imageWidth)
        .attr("height", o.imageHeight);
    w.raw(" preserveAspectRatio=\"none\"").attr("href", href->second).raw("/></svg></g>");
  }
  void operator()(const QrOp& o) {
    const int n = static_cast<int>(o.rows.size());
    const int side = (n + 2 * o.quietZone) * o.moduleSize;
    w.raw("<rect").attr("x", o.x).attr("y", o.y).attr("width", side).attr("height", side);
    w.attr("fill", o.light).raw("/>");
    // One closed sub-path per horizontal run of dark modules.
    std::string d;
    for (int r = 0; r < n; ++r) {
      const std::string& row = o.rows[static_cast<std::size_t>(r)];
      for (int c = 0; c < n;) {
        if (row[static_cast<std::size_t>(c)] != '1') {
          ++c;
          continue;
        }
        int end = c;
        while (end < n && row[static_cast<std::size_t>(end)] == '1') ++end;
        const std::string run = std::to_string((end - c) * o.moduleSize);
        d.append("M").append(std::to_string(o.x + (o.quietZone + c) * o.moduleSize));
        d.append(",").append(std::to_string(o.y + (o.quietZone + r) * o.moduleSize));
        d.append("h").append(run).append("v").append(std::to_string(o.moduleSize));
        d.append("h-").append(run).append("z");
        c = end;
      }
    }
    w.raw("<path").attr("d", d).attr("fill", o.dark).raw(" shape-rendering=\"crispEdges\"/>");
  }
};

}  // namespace

std::string toSvg(const Scene& scene) {
  std::string out;
  out.reserve(4096 + scene.ops.size() * 96);
  SvgWriter w(out);
  w.raw("<svg xmlns=\"http://www.w3.org/2000/svg\"")
      .attr("width", scene.width)
      .attr("height", scene.height)
      .attr("viewBox", joined({0, 0, scene.width, scene.height}))
      .attr("font-family", scene.fontFamily)
      .raw(" xml:space=\"preserve\" role=\"img\"")
      .attr("aria-label", scene.title)
      .raw("><title>")
      .text(scene.title)
      .raw("</title>");
  Emitter emit{w, scene};
  for (const DrawOp& op : scene.ops) std::visit(emit, op);
  w.raw("</svg>");
  return out;
}

}  // namespace carecircle
