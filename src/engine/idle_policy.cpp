#include "engine/idle_policy.hpp"

#include <algorithm>
#include <tuple>

namespace slumber::engine {

IdleDecision decide_idle(const IdlePolicy& policy, std::span<const IdleNode> idle, Seconds now) {
    IdleDecision decision;
    if (policy.kind == IdlePolicy::Kind::never || idle.empty()) return decision;
    std::vector<IdleNode> candidates(idle.begin(), idle.end());
    if (policy.kind == IdlePolicy::Kind::keep_warm && policy.warm > 0) {
        // The warm ones are those that worked last: they would be switched
        // off last under after_idle anyway. Ties go to the lower index.
        std::sort(candidates.begin(), candidates.end(), [](const IdleNode& a, const IdleNode& b) {
            return std::tie(b.idle_since, a.node) < std::tie(a.idle_since, b.node);
        });
        const auto warm = std::min(candidates.size(), static_cast<std::size_t>(policy.warm));
        candidates.erase(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(warm));
    }
    for (const IdleNode& node : candidates) {
        const Seconds due = node.idle_since + policy.suspend_after;
        if (due <= now) {
            decision.power_off.push_back(node.node);
        } else if (decision.next_check < 0 || due < decision.next_check) {
            decision.next_check = due;
        }
    }
    std::sort(decision.power_off.begin(), decision.power_off.end());
    return decision;
}

}  // namespace slumber::engine
