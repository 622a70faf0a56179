#include "sim/trace_file.hpp"

#include "sim/sacct.hpp"
#include "sim/swf.hpp"

namespace slumber::sim {

std::expected<Trace, TraceProblem> read_trace(const std::filesystem::path& file, BadLines bad) {
    auto text = read_maybe_gzip(file);
    if (!text) return std::unexpected(TraceProblem{0, text.error()});
    const std::string name = file.filename().string();
    const std::string_view first = std::string_view(*text).substr(0, text->find('\n'));
    if (first.find('|') != std::string_view::npos && first.find("Submit") != std::string_view::npos) {
        return parse_sacct(*text, name, bad);
    }
    return parse_swf(*text, name, bad);
}

}  // namespace slumber::sim
