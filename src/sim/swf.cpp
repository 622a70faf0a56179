#include "sim/swf.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <tuple>

namespace slumber::sim {
namespace {

constexpr std::size_t kFields = 18;
// No SWF field comes near this (it is 31,000 years in seconds); larger values
// are garbage, and would overflow the simulator's arithmetic.
constexpr double kLargest = 1e12;
// Nor has any machine had this many processors.
constexpr std::int64_t kMostProcessors = 100'000'000;

// SWF's fields, counted from 1 as its definition does.
constexpr std::size_t kJobId = 1;
constexpr std::size_t kSubmit = 2;
constexpr std::size_t kWait = 3;
constexpr std::size_t kRunTime = 4;
constexpr std::size_t kAllocated = 5;
constexpr std::size_t kRequestedProcessors = 8;
constexpr std::size_t kRequestedTime = 9;
constexpr std::size_t kUser = 12;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// One number; SWF's fields are integers but some logs write decimals
// (HPC2N's average CPU time), which are read and rounded down.
bool parse_number(std::string_view text, double& out) {
    std::int64_t whole = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), whole);
    if (error == std::errc() && end == text.data() + text.size()) {
        out = static_cast<double>(whole);
        return true;
    }
    const auto [fend, ferror] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ferror == std::errc() && fend == text.data() + text.size() && std::isfinite(out);
}

// "; MaxProcs: 128" -> ("MaxProcs", "128").
std::pair<std::string_view, std::string_view> header_field(std::string_view line) {
    line.remove_prefix(1);
    while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return {};
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && is_space(value.front())) value.remove_prefix(1);
    while (!value.empty() && is_space(value.back())) value.remove_suffix(1);
    return {line.substr(0, colon), value};
}

std::int64_t header_number(std::string_view value) {
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    return error == std::errc() ? number : 0;
}

class Reader {
  public:
    Reader(std::string_view source, BadLines bad) : m_bad(bad) { m_trace.source = std::string(source); }

    // False when a bad line must stop the read.
    bool line(std::string_view text, int number) {
        while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
        if (text.empty()) return true;
        if (text.front() == ';') {
            header(text);
            return true;
        }
        std::array<double, kFields + 1> field{};
        std::size_t count = 0;
        while (!text.empty()) {
            std::size_t length = 0;
            while (length < text.size() && !is_space(text[length])) ++length;
            const std::string_view word = text.substr(0, length);
            if (++count <= kFields) {
                if (!parse_number(word, field[count])) {
                    return problem(number, fmt::format("field {} is \"{}\", not a number", count, word));
                }
                if (std::abs(field[count]) > kLargest) {
                    return problem(number, fmt::format("field {} is {}, out of range", count, word));
                }
            }
            text.remove_prefix(length);
            while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
        }
        if (count != kFields) return problem(number, fmt::format("{} fields; SWF has {}", count, kFields));
        return job(field, number);
    }

    std::expected<Trace, TraceProblem> finish() {
        auto& jobs = m_trace.jobs;
        // Checked once the whole header is known: it may come after jobs.
        if (const int most = m_trace.max_processors; most > 0) {
            std::erase_if(jobs, [&](const Job& job) {
                if (job.processors <= most) return false;
                problem(job.line, fmt::format("job {}: {} processors, more than the machine's {} (MaxProcs)", job.id,
                                              job.processors, most));
                return true;
            });
        }
        auto& problems = m_trace.problems;
        std::sort(problems.begin(), problems.end(),
                  [](const TraceProblem& a, const TraceProblem& b) { return a.line < b.line; });
        if (m_failed) return std::unexpected(problems.front());
        // Lines are unique: the order is the same on every run.
        std::sort(jobs.begin(), jobs.end(),
                  [](const Job& a, const Job& b) { return std::tie(a.submit, a.line) < std::tie(b.submit, b.line); });
        if (m_trace.max_processors == 0) {
            for (const Job& job : jobs) m_trace.max_processors = std::max(m_trace.max_processors, job.processors);
        }
        return std::move(m_trace);
    }

  private:
    void header(std::string_view line) {
        const auto [key, value] = header_field(line);
        const auto count = [&] {
            return static_cast<int>(std::clamp<std::int64_t>(header_number(value), 0, kMostProcessors));
        };
        if (key == "MaxProcs") m_trace.max_processors = count();
        if (key == "MaxNodes") m_trace.max_nodes = count();
        if (key == "UnixStartTime") m_trace.unix_start = header_number(value);
    }

    bool job(const std::array<double, kFields + 1>& field, int number) {
        auto whole = [&](std::size_t f) { return static_cast<std::int64_t>(std::floor(field[f])); };
        Job job;
        job.id = whole(kJobId);
        job.submit = whole(kSubmit);
        job.wait = whole(kWait);
        job.run = whole(kRunTime);
        job.user = static_cast<int>(std::clamp<std::int64_t>(whole(kUser), -1, 1'000'000'000));
        job.line = number;
        const std::int64_t processors = whole(kAllocated) > 0 ? whole(kAllocated) : whole(kRequestedProcessors);
        const std::int64_t requested = whole(kRequestedTime);
        if (job.submit < 0) return problem(number, fmt::format("job {}: submit time {}", job.id, job.submit));
        if (job.run < -1 || job.wait < -1 || requested < -1) {
            return problem(number, fmt::format("job {}: a negative time other than -1 (unknown)", job.id));
        }
        if (job.run == -1) {
            ++m_trace.without_run_time;
            return true;
        }
        if (processors <= 0) {
            ++m_trace.without_size;
            return true;
        }
        if (processors > kMostProcessors) {
            return problem(number, fmt::format("job {}: {} processors", job.id, processors));
        }
        job.processors = static_cast<int>(processors);
        // Without a limit, the scheduler plans with the run time, as if the
        // user had guessed right.
        job.requested = requested > 0 ? std::max(requested, job.run) : job.run;
        m_trace.jobs.push_back(job);
        return true;
    }

    bool problem(int line, std::string message) {
        m_trace.problems.push_back({line, std::move(message)});
        if (m_bad == BadLines::refuse) m_failed = true;
        return !m_failed;
    }

    BadLines m_bad;
    Trace m_trace;
    bool m_failed = false;
};

}  // namespace

std::expected<Trace, TraceProblem> parse_swf(std::string_view text, std::string_view source, BadLines bad) {
    Reader reader(source, bad);
    int number = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        ++number;
        if (!reader.line(text.substr(0, end), number)) break;
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return reader.finish();
}

std::expected<std::string, std::string> read_maybe_gzip(const std::filesystem::path& file) {
    // zlib reads plain files through the same calls, unchanged.
    gzFile in = gzopen(file.c_str(), "rb");
    if (in == nullptr) return std::unexpected(fmt::format("cannot open {}", file.string()));
    gzbuffer(in, 1U << 17);
    std::string text;
    std::array<char, 1U << 16> buffer{};
    for (;;) {
        const int got = gzread(in, buffer.data(), static_cast<unsigned>(buffer.size()));
        if (got < 0) {
            int code = 0;
            std::string why = gzerror(in, &code);
            gzclose(in);
            return std::unexpected(fmt::format("{}: {}", file.string(), why));
        }
        if (got == 0) break;
        text.append(buffer.data(), static_cast<std::size_t>(got));
    }
    // A gzip stream cut short reads as a clean end; zlib says so only here.
    int code = Z_OK;
    const char* why = gzerror(in, &code);
    const std::string said = why != nullptr ? why : "";
    gzclose(in);
    if (code != Z_OK && code != Z_STREAM_END) return std::unexpected(fmt::format("{}: {}", file.string(), said));
    return text;
}

std::expected<Trace, TraceProblem> read_swf(const std::filesystem::path& file, BadLines bad) {
    auto text = read_maybe_gzip(file);
    if (!text) return std::unexpected(TraceProblem{0, text.error()});
    return parse_swf(*text, file.filename().string(), bad);
}

}  // namespace slumber::sim
