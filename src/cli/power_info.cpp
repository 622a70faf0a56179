// `slumber power info HOSTLIST`: what each target says about itself beyond
// its power state, one block per target (these differ node to node, so they
// are not grouped).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/power_targets.hpp"
#include "operate/blocks.hpp"
#include "operate/clock.hpp"
#include "power/details.hpp"
#include "service/power_action.hpp"
#include "util/parallel.hpp"

namespace slumber::cli {
namespace {

// An error worth a non-zero exit: the target failed, not merely lacks the part.
template <typename T>
bool failed(const std::optional<power::Result<T>>& part) {
    return part && !*part && part->error().kind != power::ErrorKind::unsupported;
}

std::string sensors_text(const std::vector<power::SensorReading>& sensors) {
    if (sensors.empty()) return "none";
    std::string text;
    for (const auto& sensor : sensors) {
        text += fmt::format("{}{} {:g} {}", text.empty() ? "" : ", ", sensor.name, sensor.value, sensor.unit);
    }
    return text;
}

// null for a part the device left empty, as for a part it cannot read.
nlohmann::json text_or_null(const std::string& text) { return text.empty() ? nlohmann::json() : nlohmann::json(text); }

void print_details(const power::Details& details) {
    fmt::print("{}\n", details.target);
    auto line = [](std::string_view label, const auto& part, auto text) {
        if (!part) return;
        if (*part) {
            fmt::print("  {:<9}{}\n", label, text(**part));
        } else {
            fmt::print("  {:<9}error: {}\n", label, power::describe(part->error()));
        }
    };
    line("power:", std::optional(details.state), [](power::PowerState s) { return std::string(power::to_string(s)); });
    line("draw:", details.watts, [](double watts) { return fmt::format("{:g} W", watts); });
    line("sensors:", details.sensors, sensors_text);
    line("guid:", details.guid, [](const std::string& guid) { return guid; });
    line("bmc:", details.identity, power::identity_text);
}

template <typename T, typename F>
nlohmann::json part_json(const std::optional<power::Result<T>>& part, F value) {
    if (!part) return nullptr;
    if (*part) return value(**part);
    const power::PowerError& error = part->error();
    return {
        {"error", {{"kind", power::to_string(error.kind)}, {"message", error.message}, {"bmc_said", error.bmc_said}}}};
}

nlohmann::json details_json(const power::Details& details) {
    return {
        {"target", details.target},
        {"state", part_json(std::optional(details.state), [](power::PowerState s) { return power::to_string(s); })},
        {"watts", part_json(details.watts, [](double watts) { return watts; })},
        {"sensors", part_json(details.sensors,
                              [](const std::vector<power::SensorReading>& sensors) {
                                  nlohmann::json list = nlohmann::json::array();
                                  for (const auto& s : sensors) {
                                      list.push_back({{"name", s.name}, {"value", s.value}, {"unit", s.unit}});
                                  }
                                  return list;
                              })},
        {"guid", part_json(details.guid, [](const std::string& guid) { return guid; })},
        {"bmc", part_json(details.identity,
                          [](const power::Identity& id) {
                              return nlohmann::json{{"manufacturer", text_or_null(id.manufacturer)},
                                                    {"model", text_or_null(id.model)},
                                                    {"firmware", text_or_null(id.firmware)}};
                          })},
    };
}

}  // namespace

int run_power_info(const PowerOptions& options, PowerTargets& resolved) {
    std::vector<power::Details> all(resolved.targets.size());
    util::parallel_for(resolved.targets.size(), options.fanout, [&](std::size_t i) {
        const std::string& name = resolved.targets[i]->name;
        auto& driver = resolved.drivers[i];
        all[i] = driver ? power::read_details(name, **driver)
                        : power::Details{name, std::unexpected(driver.error()), {}, {}, {}, {}};
    });
    // An admin's look is one deliberate attempt, as `slumber power status`:
    // a refused password blocks the target for the daemon (which must not
    // try it again), and an answer lifts what the answer proves wrong.
    const auto journal = service::existing_journal(resolved.config);
    operate::Blocks blocks(resolved.config, journal.get(), operate::Caller::deliberate, operate::wall_clock_ms);
    for (const auto& details : all) {
        (void)blocks.record(power::Action::status, {details.target, details.state, details.state.has_value(), 1, {}},
                            "slumber power info");
    }
    bool all_ok = true;
    for (const auto& details : all) {
        all_ok = all_ok && details.state && !failed(details.watts) && !failed(details.sensors) &&
                 !failed(details.guid) && !failed(details.identity);
    }
    if (options.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& details : all) list.push_back(details_json(details));
        fmt::print("{}\n", list.dump(2));
    } else {
        for (const auto& details : all) print_details(details);
    }
    return to_int(all_ok ? ExitCode::ok : ExitCode::partial);
}

}  // namespace slumber::cli
