// Text that came from outside (a BMC's or a plug's reply, a Slurm reason, a
// job's features) made safe to print on a terminal, in a log line or in the
// journal: it can no longer start a new line, move the cursor, retitle the
// window or hide what follows.
#pragma once

#include <string>
#include <string_view>

namespace slumber::util {

/// `text` with everything that could control a terminal or forge a line
/// replaced by a visible escape; printable text (any language) is kept as is:
/// - "\n", "\r", "\t" for those three; "\xHH" for the other C0 controls
///   (U+0000–U+001F, ESC among them) and DEL (U+007F);
/// - "\u0085"-style for the C1 controls (U+0080–U+009F, CSI among them), the
///   line and paragraph separators (U+2028, U+2029) and the bidirectional
///   overrides and isolates (U+202A–U+202E, U+2066–U+2069), which reorder
///   what a reader sees;
/// - "\xHH" for each byte that is not part of valid UTF-8 (RFC 3629: no
///   overlong forms, no surrogates, nothing above U+10FFFF).
/// Backslashes are kept, so the result is idempotent:
/// safe_text(safe_text(x)) == safe_text(x), and text already safe comes back
/// unchanged. Never throws on any input.
std::string safe_text(std::string_view text);

/// Whether safe_text(text) would change nothing (cheap: no allocation).
bool is_safe_text(std::string_view text);

}  // namespace slumber::util
