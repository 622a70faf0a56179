#include "service/journal_json.hpp"

#include "power/driver.hpp"
#include "store/vocabulary.hpp"

namespace slumber::service {

nlohmann::json to_json(const store::Event& event) {
    nlohmann::json item{{"time_ms", event.time},
                        {"node", event.node},
                        {"request", event.request ? nlohmann::json(*event.request) : nlohmann::json(nullptr)},
                        {"kind", store::to_string(event.kind)},
                        {"detail", event.detail}};
    if (event.outcome) item["outcome"] = store::to_string(*event.outcome);
    if (event.action) item["action"] = power::to_string(*event.action);
    if (event.step) item["step"] = store::to_string(*event.step);
    return item;
}

}  // namespace slumber::service
