// Prometheus' text exposition format, version 0.0.4
// (prometheus.io/docs/instrumenting/exposition_formats/, "Text-based
// format"): families of samples, each under its # HELP and # TYPE lines.
// Text from outside (node names, reasons) is made valid UTF-8 without
// controls (util::safe_text) and escaped here, so that no label value can
// end its quotes or start a line of its own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slumber::web {

/// The Content-Type of this format.
inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { counter, gauge, histogram, untyped };

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

/// A label value as the format writes it between its quotes: backslash,
/// double quote and line feed escaped (\\, \", \n), after util::safe_text().
std::string escape_label_value(std::string_view value);
/// A # HELP text: backslash and line feed escaped (\\, \n).
std::string escape_help(std::string_view text);
/// A sample value: integers without a fraction, "+Inf", "-Inf", "NaN".
std::string format_value(double value);

/// The page being written. Names and label names are the caller's
/// constants (Prometheus' [a-zA-Z_:][a-zA-Z0-9_:]*); values are anything.
class Exposition {
  public:
    /// Starts a family: its # HELP and # TYPE lines. Every sample until the
    /// next family() belongs to it; a family is started once per page.
    void family(std::string_view name, MetricType type, std::string_view help);
    /// One sample of the current family; `suffix` for a histogram's
    /// "_bucket", "_sum" and "_count".
    void sample(const Labels& labels, double value, std::string_view suffix = {});
    /// A histogram's samples: cumulative buckets at `bounds` (ascending,
    /// in the family's unit) and +Inf, then _sum and _count, from the
    /// observed `values`.
    void histogram(const Labels& labels, const std::vector<double>& bounds, const std::vector<double>& values);

    [[nodiscard]] const std::string& text() const { return m_text; }

  private:
    std::string m_text;
    std::string m_name;
};

}  // namespace slumber::web
