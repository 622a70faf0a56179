// Fuzz target: any byte string given to the hostlist parser either fails with
// a position inside the input, or gives a list whose compressed form expands
// back to the same names.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hostlist/hostlist.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto list = slumber::hostlist::Hostlist::parse(text);
    if (!list) {
        if (list.error().position > text.size()) std::abort();
        return 0;
    }
    if (list->size() > 100'000) return 0;  // valid but slow to compare; the limits are tested elsewhere
    const auto names = list->names();
    auto again = slumber::hostlist::Hostlist::parse(list->ranged_string());
    if (!again || again->names() != names) std::abort();
    list->sort();
    if (list->size() != names.size()) std::abort();
    return 0;
}
