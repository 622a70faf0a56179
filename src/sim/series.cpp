#include "sim/series.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "sim/report.hpp"

namespace slumber::sim {
namespace {

constexpr double kSecondsPerDay = 86'400;

// Never in grey, the others in colours that stay apart for most eyes
// (Tableau 10).
constexpr std::array kColours{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                              "#17becf", "#8c564b", "#e377c2", "#bcbd22"};

std::string colour(const Run& run, std::size_t index) {
    if (run.policy == "never") return "#777777";
    return kColours[index % kColours.size()];
}

std::string escape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// keep-warm=4,10m has a comma: quoted as RFC 4180 says.
std::string csv_field(std::string_view field) {
    if (field.find_first_of(",\"") == std::string_view::npos) return std::string(field);
    std::string out = "\"";
    for (const char c : field) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// Round steps for an axis from 0 to `top`: 1, 2 or 5 times a power of ten,
// at most about six of them.
double tick_step(double top) {
    if (top <= 0) return 1;
    const double rough = top / 6;
    const double power = std::pow(10, std::floor(std::log10(rough)));
    for (const double factor : {1.0, 2.0, 5.0}) {
        if (factor * power >= rough) return factor * power;
    }
    return 10 * power;
}

std::string number(double value) {
    if (std::abs(value - std::round(value)) < 1e-9) return fmt::format("{:.0f}", value);
    return fmt::format("{:g}", value);
}

// One panel: a frame, ticks on both axes, and a polyline per run.
struct Panel {
    double left = 0, top = 0, width = 0, height = 0;
    double x_max = 1;  ///< days
    double y_min = 0, y_max = 1;

    [[nodiscard]] double x(double days) const { return left + width * days / x_max; }
    [[nodiscard]] double y(double value) const { return top + height - height * (value - y_min) / (y_max - y_min); }

    void frame(std::string& svg, const std::string& label) const {
        svg += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="none" stroke="#bbb"/>)",
                           left, top, width, height);
        svg += '\n';
        svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="13" font-weight="bold">{}</text>)", left, top - 8,
                           escape(label));
        svg += '\n';
        const double y_step = tick_step(y_max - y_min);
        for (double value = std::ceil(y_min / y_step) * y_step; value <= y_max + 1e-9; value += y_step) {
            svg += fmt::format(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#eee"/>)", left,
                               y(value), left + width, y(value));
            svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="11" text-anchor="end">{}</text>)", left - 6,
                               y(value) + 4, number(value));
            svg += '\n';
        }
        const double x_step = tick_step(x_max);
        for (double day = 0; day <= x_max + 1e-9; day += x_step) {
            svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="11" text-anchor="middle">{}</text>)", x(day),
                               top + height + 15, number(day));
            svg += '\n';
        }
    }
};

}  // namespace

std::string format_csv(const std::vector<Run>& runs) {
    std::string out = "policy,seconds,days,powered_on";
    for (std::size_t state = 0; state < kNodePowers; ++state) {
        std::string name(to_string(static_cast<NodePower>(state)));
        std::replace(name.begin(), name.end(), ' ', '_');
        out += "," + name;
    }
    out += ",watts,kwh\n";
    for (const Run& run : runs) {
        const std::string policy = csv_field(run.policy);
        for (const Sample& sample : run.outcome->series) {
            const Seconds seconds = sample.time - run.outcome->begin;
            out += fmt::format("{},{},{:.4f},{}", policy, seconds, static_cast<double>(seconds) / kSecondsPerDay,
                               sample.powered_on());
            for (const int nodes : sample.nodes) out += fmt::format(",{}", nodes);
            out += fmt::format(",{:.2f},{:.6f}\n", sample.watts, sample.joules / kJoulesPerKwh);
        }
    }
    return out;
}

std::string format_jobs_csv(const std::vector<Run>& runs, const Trace& trace) {
    std::string out = "policy,job,submit,start,wait,boot_wait,run,nodes,processors,bounded_slowdown\n";
    for (const Run& run : runs) {
        const std::string policy = csv_field(run.policy);
        const std::vector<JobOutcome>& jobs = run.outcome->jobs;
        for (std::size_t i = 0; i < jobs.size() && i < trace.jobs.size(); ++i) {
            const JobOutcome& job = jobs[i];
            const Seconds wait = job.start - job.submit;
            const double slowdown = bounded_slowdown(job);
            out += fmt::format("{},{},{},{},{},{},{},{},{},{:.3f}\n", policy, trace.jobs[i].id, job.submit, job.start,
                               wait, job.boot_wait, job.run, job.nodes, job.cores, slowdown);
        }
    }
    return out;
}

std::string render_svg(const std::vector<Run>& runs, const std::string& title) {
    constexpr double kWidth = 960;
    constexpr double kHeight = 870;
    constexpr int kMaxPoints = 800;  // per line: more than the pixels across

    // Energy is drawn as the saving so far against the first run (never
    // switching off): cumulative energies of a few per cent apart would be
    // one thick line.
    const std::vector<Sample>& baseline = runs.front().outcome->series;
    auto saved_mwh = [&](std::size_t sample, const Sample& mine) {
        const double never = sample < baseline.size() ? baseline[sample].joules : mine.joules;
        return (never - mine.joules) / kJoulesPerKwh / 1000;
    };
    double days = 1;
    double nodes = 1;
    double kilowatts = 0.001;
    double saved_least = 0;
    double saved_most = 0;
    for (const Run& run : runs) {
        const Outcome& outcome = *run.outcome;
        days = std::max(days, static_cast<double>(outcome.end - outcome.begin) / kSecondsPerDay);
        nodes = std::max(nodes, static_cast<double>(outcome.nodes));
        for (std::size_t k = 0; k < outcome.series.size(); ++k) {
            kilowatts = std::max(kilowatts, outcome.series[k].watts / 1000);
            saved_least = std::min(saved_least, saved_mwh(k, outcome.series[k]));
            saved_most = std::max(saved_most, saved_mwh(k, outcome.series[k]));
        }
    }
    if (saved_most - saved_least < 1e-3) saved_most = saved_least + 1e-3;
    const Panel on{70, 90, kWidth - 100, 200, days, 0, nodes};
    const Panel power{70, 350, kWidth - 100, 200, days, 0, kilowatts};
    const Panel energy{70, 610, kWidth - 100, 200, days, saved_least, saved_most};

    std::string svg = fmt::format(
        R"(<?xml version="1.0" encoding="UTF-8"?>)"
        "\n"
        R"(<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{0:.0f}" height="{1:.0f}" viewBox="0 0 {0:.0f} {1:.0f}" font-family="sans-serif">)"
        "\n"
        R"(<rect width="100%" height="100%" fill="white"/>)"
        "\n"
        R"(<text x="{2:.0f}" y="28" font-size="16" text-anchor="middle">{3}</text>)"
        "\n",
        kWidth, kHeight, kWidth / 2, escape(title));

    // The legend, one entry per policy, in a row under the title.
    double legend_x = 70;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        svg += fmt::format(
            R"(<line x1="{0:.1f}" y1="50" x2="{1:.1f}" y2="50" stroke="{2}" stroke-width="3"/><text x="{3:.1f}" y="54" font-size="12">{4}</text>)",
            legend_x, legend_x + 20, colour(runs[i], i), legend_x + 25, escape(runs[i].policy));
        svg += '\n';
        legend_x += 40 + 7.0 * static_cast<double>(runs[i].policy.size());
    }
    on.frame(svg, "Powered-on nodes");
    power.frame(svg, "Power drawn, kW");
    energy.frame(svg, fmt::format("Energy saved so far against {}, MWh", runs.front().policy));
    svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="12" text-anchor="middle">days</text>)",
                       energy.left + energy.width / 2, energy.top + energy.height + 34);
    svg += '\n';

    for (std::size_t i = 0; i < runs.size(); ++i) {
        const Outcome& outcome = *runs[i].outcome;
        const std::size_t count = outcome.series.size();
        if (count == 0) continue;
        // Each plotted point stands for a run of samples: their mean of
        // powered-on nodes and power (so that short boots are neither lost
        // nor exaggerated), and the energy saved at the run's end.
        const std::size_t step = (count + kMaxPoints - 1) / kMaxPoints;
        std::string on_points;
        std::string power_points;
        std::string energy_points;
        for (std::size_t first = 0; first < count; first += step) {
            const std::size_t last = std::min(count, first + step) - 1;
            double sum = 0;
            double watts = 0;
            for (std::size_t k = first; k <= last; ++k) {
                sum += outcome.series[k].powered_on();
                watts += outcome.series[k].watts;
            }
            const auto samples = static_cast<double>(last - first + 1);
            const Sample& end = outcome.series[last];
            const double day = static_cast<double>(end.time - outcome.begin) / kSecondsPerDay;
            on_points += fmt::format("{:.1f},{:.1f} ", on.x(day), on.y(sum / samples));
            power_points += fmt::format("{:.1f},{:.1f} ", power.x(day), power.y(watts / samples / 1000));
            energy_points += fmt::format("{:.1f},{:.1f} ", energy.x(day), energy.y(saved_mwh(last, end)));
        }
        for (const std::string* points : {&on_points, &power_points, &energy_points}) {
            svg += fmt::format(
                R"(<polyline fill="none" stroke="{}" stroke-width="1.2" stroke-linejoin="round" points="{}"><title>{}</title></polyline>)",
                colour(runs[i], i), *points, escape(runs[i].policy));
            svg += '\n';
        }
    }
    svg += "</svg>\n";
    return svg;
}

Seconds sampling_step(Seconds span, int samples) {
    constexpr std::array<Seconds, 7> kSteps{60, 300, 900, 3600, 6 * 3600, 86'400, 7 * 86'400};
    for (const Seconds step : kSteps) {
        if (span / step < samples) return step;
    }
    return kSteps.back() * (span / (kSteps.back() * samples) + 1);
}

}  // namespace slumber::sim
