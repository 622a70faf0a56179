// Character classes of the C locale, the one Slurm's commands run in.
#pragma once

namespace slumber::hostlist {

/// isdigit() in the C locale: '0' to '9' only.
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace slumber::hostlist
