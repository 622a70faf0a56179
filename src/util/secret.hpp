// A password or key that must never reach a log, a terminal or an API reply.
#pragma once

#include <fmt/format.h>
#include <string>
#include <string_view>

namespace slumber::util {

/// Holds a secret. It has no stream operator and formats as "<secret>"; the
/// one way to read it is reveal(), which is easy to find in review.
class Secret {
  public:
    Secret() = default;
    explicit Secret(std::string value) : m_value(std::move(value)) {}
    Secret(const Secret&) = default;
    Secret(Secret&&) noexcept = default;
    Secret& operator=(const Secret&) = default;
    Secret& operator=(Secret&&) noexcept = default;
    ~Secret();

    [[nodiscard]] std::string_view reveal() const { return m_value; }
    [[nodiscard]] bool empty() const { return m_value.empty(); }

  private:
    std::string m_value;
};

}  // namespace slumber::util

template <>
struct fmt::formatter<slumber::util::Secret> : fmt::formatter<std::string_view> {
    auto format(const slumber::util::Secret& /*secret*/, fmt::format_context& ctx) const {
        return fmt::formatter<std::string_view>::format("<secret>", ctx);
    }
};
