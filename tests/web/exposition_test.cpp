#include "web/exposition.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace slumber::web {
namespace {

TEST(Exposition, LabelValuesCannotEndTheirQuotesOrStartALine) {
    EXPECT_EQ(escape_label_value("node001"), "node001");
    EXPECT_EQ(escape_label_value(R"(a"b)"), R"(a\"b)");
    EXPECT_EQ(escape_label_value(R"(a\b)"), R"(a\\b)");
    // safe_text turns the line feed into the two characters \n, whose
    // backslash the format escapes: one line, and the reader sees "\n".
    EXPECT_EQ(escape_label_value("a\nb 1\nslumber_up 0"), R"(a\\nb 1\\nslumber_up 0)");
    EXPECT_EQ(escape_label_value("bad \xff byte"), R"(bad \\xff byte)");
    EXPECT_EQ(escape_label_value("nœud"), "nœud") << "UTF-8 is kept";
}

TEST(Exposition, HelpTextEscapesBackslashAndLineFeed) {
    EXPECT_EQ(escape_help(R"(C:\ and "quotes")"), R"(C:\\ and "quotes")");
    EXPECT_EQ(escape_help("two\nlines"), R"(two\\nlines)");
}

TEST(Exposition, ValuesAsPrometheusReadsThem) {
    EXPECT_EQ(format_value(0), "0");
    EXPECT_EQ(format_value(42), "42");
    EXPECT_EQ(format_value(-3), "-3");
    EXPECT_EQ(format_value(1.5), "1.5");
    EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(Exposition, FamiliesAndSamples) {
    Exposition page;
    page.family("slumber_power_actions_total", MetricType::counter, "Power actions");
    page.sample({{"action", "on"}}, 3);
    page.sample({{"action", "off"}, {"node", "x\"y"}}, 1);
    page.family("slumber_up", MetricType::gauge, "Up");
    page.sample({}, 1);
    EXPECT_EQ(page.text(),
              "# HELP slumber_power_actions_total Power actions\n"
              "# TYPE slumber_power_actions_total counter\n"
              "slumber_power_actions_total{action=\"on\"} 3\n"
              "slumber_power_actions_total{action=\"off\",node=\"x\\\"y\"} 1\n"
              "# HELP slumber_up Up\n"
              "# TYPE slumber_up gauge\n"
              "slumber_up 1\n");
}

TEST(Exposition, HistogramBucketsAreCumulative) {
    Exposition page;
    page.family("boot_seconds", MetricType::histogram, "Boots");
    page.histogram({}, {30, 60}, {10, 45, 45, 90});
    EXPECT_EQ(page.text(),
              "# HELP boot_seconds Boots\n"
              "# TYPE boot_seconds histogram\n"
              "boot_seconds_bucket{le=\"30\"} 1\n"
              "boot_seconds_bucket{le=\"60\"} 3\n"
              "boot_seconds_bucket{le=\"+Inf\"} 4\n"
              "boot_seconds_sum 190\n"
              "boot_seconds_count 4\n");
}

}  // namespace
}  // namespace slumber::web
