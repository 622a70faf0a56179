// Slurm's rules for comparing and joining host ranges (hostlist.c), kept
// apart from parsing so that each can be read against Slurm's source.
#pragma once

#include "hostlist/hostlist.hpp"

namespace slumber::hostlist::rules {

/// Slurm's _width_equiv(): whether numbers n and m printed with widths wn and
/// wm can share one width without changing either's zero padding. When they
/// can, Slurm adjusts one of the widths in place; so does this.
bool width_equivalent(unsigned long n, int& wn, unsigned long m, int& wm);

/// hostrange_width_combine(): width_equivalent() on the ranges' lower bounds.
bool width_combine(HostRange& a, HostRange& b);

/// hostrange_prefix_cmp(): natural order of prefixes; a name without a
/// numeric suffix sorts after a range with the same prefix.
int prefix_compare(const HostRange& a, const HostRange& b);

/// hostrange_cmp(): the sort order of hostlist_sort().
int range_compare(HostRange& a, HostRange& b);

/// hostrange_within_range(): whether two ranges share one bracket in output.
bool share_bracket(const HostRange& a, const HostRange& b);

}  // namespace slumber::hostlist::rules
