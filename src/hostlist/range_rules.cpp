#include "hostlist/range_rules.hpp"

#include "hostlist/natural_compare.hpp"

namespace slumber::hostlist::rules {
namespace {

// How many zeros "%0*lu" puts in front of num at this width.
int zero_padding(unsigned long num, int width) {
    int digits = 1;
    while ((num /= 10) != 0) ++digits;
    return width > digits ? width - digits : 0;
}

}  // namespace

bool width_equivalent(unsigned long n, int& wn, unsigned long m, int& wm) {
    if (wn == wm) return true;
    const int npad = zero_padding(n, wn);
    const int nmpad = zero_padding(n, wm);
    const int mpad = zero_padding(m, wm);
    const int mnpad = zero_padding(m, wn);
    if (npad != nmpad && mpad != mnpad) return false;
    if (npad != nmpad) {
        wm = wn;
    } else {
        wn = wm;
    }
    return true;
}

bool width_combine(HostRange& a, HostRange& b) { return width_equivalent(a.lo, a.width, b.lo, b.width); }

int prefix_compare(const HostRange& a, const HostRange& b) {
    const int order = natural_compare(a.prefix, b.prefix);
    return order == 0 ? static_cast<int>(b.single) - static_cast<int>(a.single) : order;
}

int range_compare(HostRange& a, HostRange& b) {
    const int order = prefix_compare(a, b);
    if (order != 0) return order;
    // Slurm returns the unsigned difference of the bounds as an int; keep its
    // wrap-around so that sorting huge suffixes agrees with scontrol.
    return width_combine(a, b) ? static_cast<int>(a.lo - b.lo) : a.width - b.width;
}

bool share_bracket(const HostRange& a, const HostRange& b) {
    return prefix_compare(a, b) == 0 && !a.single && !b.single;
}

}  // namespace slumber::hostlist::rules
