#include "service/power_json.hpp"

namespace slumber::service {

nlohmann::json to_json(power::Action action, const power::Outcome& outcome) {
    nlohmann::json item{{"target", outcome.target},         {"action", power::to_string(action)},
                        {"ok", outcome.result.has_value()}, {"confirmed", outcome.confirmed},
                        {"attempts", outcome.attempts},     {"elapsed_ms", outcome.elapsed.count()}};
    if (outcome.result) {
        item["state"] = outcome.confirmed || action == power::Action::status
                            ? nlohmann::json(power::to_string(*outcome.result))
                            : nlohmann::json(nullptr);
    } else {
        const power::PowerError& error = outcome.result.error();
        item["error"] = {
            {"kind", power::to_string(error.kind)}, {"message", error.message}, {"bmc_said", error.bmc_said}};
    }
    return item;
}

}  // namespace slumber::service
