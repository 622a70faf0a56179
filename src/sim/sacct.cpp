#include "sim/sacct.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <vector>

#include "util/time_text.hpp"

namespace slumber::sim {
namespace {

std::vector<std::string_view> split(std::string_view line, char separator) {
    std::vector<std::string_view> fields;
    while (true) {
        const auto at = line.find(separator);
        fields.push_back(line.substr(0, at));
        if (at == std::string_view::npos) break;
        line.remove_prefix(at + 1);
    }
    return fields;
}

// Counts (job IDs, CPUs, nodes): digits only, below 10^18.
std::optional<std::int64_t> whole(std::string_view text) { return util::parse_digits(text, 999'999'999'999'999'999); }

// The columns slumber reads, each with the names sacct may give it.
struct Column {
    const char* name;
    std::array<const char*, 2> aliases;
    bool required;
};
constexpr std::array kColumns{
    Column{"JobIDRaw", {"JobIDRaw", "JobID"}, true},
    Column{"Submit", {"Submit", "Submit"}, true},
    Column{"Start", {"Start", "Start"}, true},
    Column{"End", {"End", "End"}, true},
    Column{"NCPUS", {"NCPUS", "AllocCPUS"}, true},
    Column{"NNodes", {"NNodes", "AllocNodes"}, false},
    Column{"Timelimit", {"Timelimit", "TimelimitRaw"}, false},
};
// Each column's place in kColumns.
constexpr std::size_t kJobColumn = 0;
constexpr std::size_t kSubmitColumn = 1;
constexpr std::size_t kStartColumn = 2;
constexpr std::size_t kEndColumn = 3;
constexpr std::size_t kCpus = 4;
constexpr std::size_t kNodes = 5;
constexpr std::size_t kLimit = 6;

}  // namespace

std::expected<Trace, TraceProblem> parse_sacct(std::string_view text, std::string_view source, BadLines bad) {
    Trace trace;
    trace.source = std::string(source);
    std::array<int, kColumns.size()> at{};
    at.fill(-1);
    bool header = false;
    int number = 0;
    std::int64_t first_submit = -1;
    auto problem = [&](int line, std::string message) {
        trace.problems.push_back({line, std::move(message)});
        return bad == BadLines::skip;
    };
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        ++number;
        if (line.ends_with('\r')) line.remove_suffix(1);
        if (line.empty()) continue;
        const auto fields = split(line, '|');
        if (!header) {
            for (std::size_t c = 0; c < kColumns.size(); ++c) {
                for (std::size_t f = 0; f < fields.size(); ++f) {
                    const auto& aliases = kColumns[c].aliases;
                    if (at[c] < 0 && (fields[f] == aliases[0] || fields[f] == aliases[1])) at[c] = static_cast<int>(f);
                }
                if (kColumns[c].required && at[c] < 0) {
                    return std::unexpected(TraceProblem{
                        number, fmt::format("the header has no {} column (sacct --parsable2 --format=JobIDRaw,"
                                            "Submit,Start,End,NNodes,NCPUS,Timelimit)",
                                            kColumns[c].name)});
                }
            }
            header = true;
            continue;
        }
        auto field = [&](std::size_t index) -> std::string_view {
            const int column = at[index];
            return column >= 0 && static_cast<std::size_t>(column) < fields.size()
                       ? fields[static_cast<std::size_t>(column)]
                       : std::string_view();
        };
        if (fields.size() <= static_cast<std::size_t>(*std::max_element(at.begin(), at.end()))) {
            if (!problem(number, fmt::format("{} fields; the header has more", fields.size()))) break;
            continue;
        }
        const std::string_view id = field(kJobColumn);
        if (id.find('.') != std::string_view::npos) continue;  // a job step
        const auto submit = util::parse_slurm_time(field(kSubmitColumn));
        const auto start = util::parse_slurm_time(field(kStartColumn));
        const auto finish = util::parse_slurm_time(field(kEndColumn));
        if (!submit) {
            if (!problem(number, fmt::format("job {}: Submit {}", id, submit.error()))) break;
            continue;
        }
        const auto unknown = [](std::string_view value) {
            return value == "Unknown" || value == "None" || value.empty();
        };
        if ((!start && !unknown(field(kStartColumn))) || (!finish && !unknown(field(kEndColumn)))) {
            if (!problem(number, fmt::format("job {}: {}", id, !start ? start.error() : finish.error()))) break;
            continue;
        }
        if (!start || !finish) {  // "Unknown", "None": never ran, or still running
            ++trace.without_run_time;
            continue;
        }
        const auto cpus = whole(field(kCpus));
        if (!cpus || *cpus == 0) {
            ++trace.without_size;
            continue;
        }
        if (*start < *submit || *finish < *start) {
            if (!problem(number, fmt::format("job {}: times out of order (submit, start, end)", id))) break;
            continue;
        }
        Job job;
        job.id = static_cast<std::int64_t>(trace.jobs.size() + 1);
        if (const auto raw = whole(id.substr(0, id.find_first_of("_+")))) job.id = *raw;
        job.submit = *submit;
        job.run = *finish - *start;
        job.wait = *start - *submit;
        job.processors = static_cast<int>(std::min<std::int64_t>(*cpus, 100'000'000));
        if (const auto nodes = whole(field(kNodes)))
            job.nodes = static_cast<int>(std::min<std::int64_t>(*nodes, 1'000'000));
        const auto limit = util::parse_slurm_duration(field(kLimit));  // none for UNLIMITED, Partition_Limit
        job.requested = limit && *limit > 0 ? std::max(*limit, job.run) : job.run;
        job.line = number;
        first_submit = first_submit < 0 ? job.submit : std::min(first_submit, job.submit);
        trace.jobs.push_back(job);
    }
    if (!header) return std::unexpected(TraceProblem{0, fmt::format("{}: no header line (sacct --parsable2)", source)});
    if (bad == BadLines::refuse && !trace.problems.empty()) return std::unexpected(trace.problems.front());
    // Times from the first submission, as SWF counts them.
    trace.unix_start = std::max<std::int64_t>(first_submit, 0);
    for (Job& job : trace.jobs) {
        job.submit -= trace.unix_start;
        trace.max_processors = std::max(trace.max_processors, job.processors);
    }
    std::sort(trace.jobs.begin(), trace.jobs.end(),
              [](const Job& a, const Job& b) { return std::tie(a.submit, a.line) < std::tie(b.submit, b.line); });
    trace.size_known = false;
    return trace;
}

}  // namespace slumber::sim
