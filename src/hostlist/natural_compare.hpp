// Natural-order string comparison ("n9" < "n10"), as Slurm's strnatcmp().
#pragma once

#include <string_view>

namespace slumber::hostlist {

/// Negative, zero or positive like strcmp. Byte-for-byte the algorithm Slurm
/// uses to sort hostlist prefixes (Martin Pool's strnatcmp, case-sensitive):
/// white space is skipped, digit runs compare by magnitude unless either
/// starts with '0', in which case they compare left-aligned, as fractions.
int natural_compare(std::string_view a, std::string_view b);

}  // namespace slumber::hostlist
