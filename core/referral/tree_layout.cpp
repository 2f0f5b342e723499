#include "referral/tree_layout.hpp"

namespace carecircle {
namespace {

constexpr std::int32_t kNone = -1;

// Per-node state of the algorithm, named as in d3-hierarchy's tree.js so the
// two can be read side by side: z = prelim, m = mod, c = change, s = shift,
// a = ancestor, A = default ancestor of the children, t = thread, i = index
// among siblings. Index n is the virtual parent of the root (d3's
// `tree.parent`).
struct State {
  explicit State(std::size_t n)
      : z(n + 1, 0),
        m(n + 1, 0),
        c(n + 1, 0),
        s(n + 1, 0),
        a(n + 1),
        A(n + 1, kNone),
        t(n + 1, kNone),
        i(n + 1, 0),
        parent(n + 1, kNone) {
    for (std::size_t v = 0; v <= n; ++v) a[v] = static_cast<std::int32_t>(v);
  }
  std::vector<double> z, m, c, s;
  std::vector<std::int32_t> a, A, t, i, parent;
};

class Layout {
 public:
  Layout(const TreeShape& shape, const LayoutOptions& options)
      : shape_(shape), options_(options), n_(shape.nodeCount()), st_(n_) {}

  TreeLayout run() {
    TreeLayout out;
    if (n_ == 0) return out;
    const auto virtualParent = static_cast<std::int32_t>(n_);
    st_.parent[0] = virtualParent;
    for (std::size_t v = 0; v < n_; ++v) {
      for (std::int32_t k = shape_.childStart[v]; k < shape_.childStart[v + 1]; ++k) {
        const std::int32_t child = shape_.childList[k];
        st_.parent[child] = static_cast<std::int32_t>(v);
        st_.i[child] = k - shape_.childStart[v];
      }
    }
    // First walk in post-order, left to right (d3: eachAfter(firstWalk)).
    postOrder([this](std::int32_t v) { firstWalk(v); });
    st_.m[virtualParent] = -st_.z[0];
    // Second walk in pre-order (d3: eachBefore(secondWalk)), then nodeSize.
    out.x.assign(n_, 0);
    out.depth.assign(n_, 0);
    std::vector<std::int32_t> stack{0};
    while (!stack.empty()) {
      const std::int32_t v = stack.back();
      stack.pop_back();
      const std::int32_t p = st_.parent[v];
      out.x[v] = (st_.z[v] + st_.m[p]) * options_.dx;
      st_.m[v] += st_.m[p];
      if (v != 0) out.depth[v] = out.depth[p] + 1;
      for (std::int32_t k = shape_.childStart[v + 1] - 1; k >= shape_.childStart[v]; --k) {
        stack.push_back(shape_.childList[k]);
      }
    }
    return out;
  }

 private:
  bool hasChildren(std::int32_t v) const {
    return v < static_cast<std::int32_t>(n_) && shape_.childStart[v + 1] > shape_.childStart[v];
  }
  std::int32_t firstChild(std::int32_t v) const { return shape_.childList[shape_.childStart[v]]; }
  std::int32_t lastChild(std::int32_t v) const {
    return shape_.childList[shape_.childStart[v + 1] - 1];
  }
  std::int32_t siblingAt(std::int32_t parent, std::int32_t index) const {
    if (parent == static_cast<std::int32_t>(n_))
      return 0;  // the root is the virtual parent's only child
    return shape_.childList[shape_.childStart[parent] + index];
  }
  std::int32_t nextLeft(std::int32_t v) const { return hasChildren(v) ? firstChild(v) : st_.t[v]; }
  std::int32_t nextRight(std::int32_t v) const { return hasChildren(v) ? lastChild(v) : st_.t[v]; }
  double separation(std::int32_t a, std::int32_t b) const {
    return st_.parent[a] == st_.parent[b] ? options_.siblingSeparation : options_.cousinSeparation;
  }

  template <typename Fn>
  void postOrder(Fn visit) {
    // Children pushed left to right and popped right first; replaying the
    // visit list backwards yields left-to-right post-order, as d3 does.
    std::vector<std::int32_t> stack{0};
    std::vector<std::int32_t> order;
    order.reserve(n_);
    while (!stack.empty()) {
      const std::int32_t v = stack.back();
      stack.pop_back();
      order.push_back(v);
      for (std::int32_t k = shape_.childStart[v]; k < shape_.childStart[v + 1]; ++k) {
        stack.push_back(shape_.childList[k]);
      }
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) visit(*it);
  }

  void moveSubtree(std::int32_t wm, std::int32_t wp, double shift) {
    const double change = shift / (st_.i[wp] - st_.i[wm]);
    st_.c[wp] -= change;
    st_.s[wp] += shift;
    st_.c[wm] += change;
    st_.z[wp] += shift;
    st_.m[wp] += shift;
  }

  void executeShifts(std::int32_t v) {
    double shift = 0;
    double change = 0;
    for (std::int32_t k = shape_.childStart[v + 1] - 1; k >= shape_.childStart[v]; --k) {
      const std::int32_t w = shape_.childList[k];
      st_.z[w] += shift;
      st_.m[w] += shift;
      shift += st_.s[w] + (change += st_.c[w]);
    }
  }

  std::int32_t nextAncestor(std::int32_t vim, std::int32_t v, std::int32_t ancestor) const {
    return st_.parent[st_.a[vim]] == st_.parent[v] ? st_.a[vim] : ancestor;
  }

  void firstWalk(std::int32_t v) {
    const std::int32_t p = st_.parent[v];
    const std::int32_t w = st_.i[v] ? siblingAt(p, st_.i[v] - 1) : kNone;
    if (hasChildren(v)) {
      executeShifts(v);
      const double midpoint = (st_.z[firstChild(v)] + st_.z[lastChild(v)]) / 2;
      if (w != kNone) {
        st_.z[v] = st_.z[w] + separation(v, w);
        st_.m[v] = st_.z[v] - midpoint;
      } else {
        st_.z[v] = midpoint;
      }
    } else if (w != kNone) {
      st_.z[v] = st_.z[w] + separation(v, w);
    }
    st_.A[p] = apportion(v, w, st_.A[p] != kNone ? st_.A[p] : siblingAt(p, 0));
  }

  std::int32_t apportion(std::int32_t v, std::int32_t w, std::int32_t ancestor) {
    if (w == kNone) return ancestor;
    std::int32_t vip = v, vop = v, vim = w, vom = siblingAt(st_.parent[vip], 0);
    double sip = st_.m[vip], sop = st_.m[vop], sim = st_.m[vim], som = st_.m[vom];
    while (true) {
      vim = nextRight(vim);
      vip = nextLeft(vip);
      if (vim == kNone || vip == kNone) break;
      vom = nextLeft(vom);
      vop = nextRight(vop);
      st_.a[vop] = v;
      const double shift = st_.z[vim] + sim - st_.z[vip] - sip + separation(vim, vip);
      if (shift > 0) {
        moveSubtree(nextAncestor(vim, v, ancestor), v, shift);
        sip += shift;
        sop += shift;
      }
      sim += st_.m[vim];
      sip += st_.m[vip];
      som += st_.m[vom];
      sop += st_.m[vop];
    }
    if (vim != kNone && nextRight(vop) == kNone) {
      st_.t[vop] = vim;
      st_.m[vop] += sim - sop;
    }
    if (vip != kNone && nextLeft(vom) == kNone) {
      st_.t[vom] = vip;
      st_.m[vom] += sip - som;
      ancestor = v;
    }
    return ancestor;
  }

  const TreeShape& shape_;
  const LayoutOptions& options_;
  std::size_t n_;
  State st_;
};

}  // namespace

TreeLayout layoutTidyTree(const TreeShape& shape, const LayoutOptions& options) {
  return Layout(shape, options).run();
}

}  // namespace carecircle
