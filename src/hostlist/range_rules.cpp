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
    if (!width_combine(a, b)) return a.width - b.width;
    // Slurm returns (int)(a.lo - b.lo), which wraps for numbers 2^31 apart;
    // scontrol then sorts wrongly and drops names (n5,n3120600026,n31206392
    // sorts to "n[3120600026,31206392]"). Compare properly instead.
    return a.lo < b.lo ? -1 : (a.lo > b.lo ? 1 : 0);
}

bool share_bracket(const HostRange& a, const HostRange& b) {
    return prefix_compare(a, b) == 0 && !a.single && !b.single;
}

}  // namespace slumber::hostlist::rules
