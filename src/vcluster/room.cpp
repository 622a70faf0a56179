#include "vcluster/room.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

namespace slumber::vcluster {
namespace {

std::filesystem::path room_file(const RunDir& dir) { return dir.root / "room"; }

std::optional<int> read_number(const std::filesystem::path& file) {
    std::ifstream in(file);
    int value = 0;
    if (in >> value) return value;
    return std::nullopt;
}

void replace(const std::filesystem::path& file, int value) {
    // Unique to this process: two machines that change power at once both
    // rewrite every inlet, and the last one, which saw both, wins.
    const std::filesystem::path temporary = file.string() + fmt::format(".{}", ::getpid());
    std::ofstream(temporary) << value << '\n';
    std::error_code error;
    std::filesystem::rename(temporary, file, error);
}

}  // namespace

int room_celsius(const RunDir& dir) { return read_number(room_file(dir)).value_or(kRoomCelsius); }

std::expected<void, std::string> set_room_celsius(const RunDir& dir, const Spec& spec, int celsius) {
    if (celsius < -40 || celsius > 100) {
        return std::unexpected(fmt::format("a room at {} °C: the inlet sensors read -40 to 100 °C", celsius));
    }
    replace(room_file(dir), celsius);
    warm_inlets(dir, spec);
    return {};
}

int nodes_on(const RunDir& dir, const Spec& spec) {
    int on = 0;
    for (const std::string& node : spec.node_names()) {
        if (read_number(dir.sensor_file(node, "watts")).value_or(kWattsOff) > kWattsOff) ++on;
    }
    return on;
}

void warm_inlets(const RunDir& dir, const Spec& spec) {
    const int celsius = room_celsius(dir) + kWarmingPerNodeOn * nodes_on(dir, spec);
    for (const std::string& node : spec.node_names()) {
        if (std::filesystem::exists(dir.node_dir(node))) replace(dir.sensor_file(node, "inlet"), celsius);
    }
}

int inlet_celsius(const RunDir& dir, std::string_view node) {
    return read_number(dir.sensor_file(node, "inlet")).value_or(room_celsius(dir));
}

}  // namespace slumber::vcluster
