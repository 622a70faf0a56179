#include "slurm/slurm_conf.hpp"

#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

namespace slumber::slurm {
namespace {

bool same_key(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace

std::optional<std::string> conf_option(std::string_view text, std::string_view key) {
    std::optional<std::string> value;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        line = trim(line.substr(0, line.find('#')));
        const auto equals = line.find('=');
        if (equals == std::string_view::npos || !same_key(trim(line.substr(0, equals)), key)) continue;
        value = std::string(trim(line.substr(equals + 1)));
    }
    return value;
}

namespace {

std::optional<std::string> read_conf(const std::filesystem::path& slurm_conf) {
    std::ifstream in(slurm_conf);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

std::optional<std::string> slurm_user(const std::filesystem::path& slurm_conf) {
    const auto text = read_conf(slurm_conf);
    if (!text) return std::nullopt;
    auto user = conf_option(*text, "SlurmUser");
    return user && !user->empty() ? *user : "root";
}

std::optional<std::chrono::seconds> resume_timeout(const std::filesystem::path& slurm_conf) {
    const auto text = read_conf(slurm_conf);
    if (!text) return std::nullopt;
    const auto value = conf_option(*text, "ResumeTimeout");
    if (!value) return std::chrono::seconds(60);
    std::int64_t seconds = 0;
    const char* end = value->data() + value->size();
    const auto [stop, error] = std::from_chars(value->data(), end, seconds);
    if (error != std::errc() || stop != end || seconds < 0 || seconds > 100'000'000) return std::nullopt;
    return std::chrono::seconds(seconds);
}

}  // namespace slumber::slurm
