// slurm.conf as doctor reads it (slurm/conf_file.hpp) is a file an admin
// wrote: any bytes must read without a crash, every setting and record at
// a line of the text, every record named, and the node names expanded.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "slurm/conf_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto conf = slumber::slurm::parse_slurm_conf(text, "/etc/slurm/slurm.conf");
    const auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    for (const auto& setting : conf.settings) {
        if (setting.key.empty() || setting.place.line < 1 || setting.place.line > lines) __builtin_trap();
    }
    for (const auto* records : {&conf.nodes, &conf.partitions}) {
        for (const auto& record : *records) {
            if (record.pairs.empty() || record.place.line < 1 || record.place.line > lines) __builtin_trap();
        }
    }
    (void)conf.node_names();
    (void)conf.find("SuspendProgram");
    return 0;
}
