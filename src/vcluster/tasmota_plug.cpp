#include "vcluster/tasmota_plug.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

namespace slumber::vcluster {
namespace {

using Clock = std::chrono::steady_clock;
using Hours = std::chrono::duration<double, std::ratio<3600>>;
using nlohmann::json;

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// "Power2" -> 2, "Power" -> 1, anything else -> -1.
int power_index(const std::string& command) {
    if (!command.starts_with("power")) return -1;
    if (command.size() == 5) return 1;
    if (command.size() == 6 && std::isdigit(static_cast<unsigned char>(command[5])) != 0) return command[5] - '0';
    return -1;
}

}  // namespace

struct TasmotaPlug::State {
    PlugSettings settings;
    httplib::Server server;
    std::thread thread;
    std::atomic<int> port{0};
    mutable std::mutex lock;
    std::vector<bool> relays;
    std::vector<Clock::time_point> on_since;
    double watt_hours = 0;  // metered before the relays' current on-spells
    PlugFault fault = PlugFault::none;

    // The members below are called with `lock` held.
    [[nodiscard]] double total_kwh() const {
        double wh = watt_hours;
        for (std::size_t i = 0; i < relays.size(); ++i) {
            if (relays[i]) wh += settings.watts * Hours(Clock::now() - on_since[i]).count();
        }
        return wh / 1000.0;
    }
    [[nodiscard]] double draw() const {
        return settings.watts * static_cast<double>(std::count(relays.begin(), relays.end(), true));
    }
    void set(std::size_t index, bool on) {
        if (relays[index] == on) return;
        if (!on) watt_hours += settings.watts * Hours(Clock::now() - on_since[index]).count();
        relays[index] = on;
        on_since[index] = Clock::now();
        if (settings.on_switch) settings.on_switch(static_cast<int>(index) + 1, on);
    }
    [[nodiscard]] std::string power_key(std::size_t index) const {
        return relays.size() == 1 ? "POWER" : fmt::format("POWER{}", index + 1);
    }

    // The answer to one command, as Tasmota gives it.
    json answer(const std::string& command, const std::string& argument) {
        if (const int index = power_index(command); index >= 0) {
            return power(index, lower(argument));
        }
        if (command == "status" && argument == "2") {
            return {{"StatusFWR",
                     {{"Version", "13.2.0(slumber-emulator)"},
                      {"BuildDateTime", "2026-11-26T00:00:00"},
                      {"Hardware", "virtual"}}}};
        }
        if (command == "status" && argument == "8") {
            json sns = {{"Time", "2026-11-26T00:00:00"}};
            if (settings.watts > 0) {
                const double watts = draw();
                sns["ENERGY"] = {{"TotalStartTime", "2026-11-26T00:00:00"},
                                 {"Total", std::round(total_kwh() * 1000) / 1000},
                                 {"Yesterday", 0.0},
                                 {"Today", std::round(total_kwh() * 1000) / 1000},
                                 {"Power", std::round(watts)},
                                 {"ApparentPower", std::round(watts)},
                                 {"ReactivePower", 0},
                                 {"Factor", watts > 0 ? 1.0 : 0.0},
                                 {"Voltage", 230},
                                 {"Current", std::round(watts / 230.0 * 1000) / 1000}};
            }
            return {{"StatusSNS", sns}};
        }
        return {{"Command", "Unknown"}};
    }

    json power(int index, const std::string& argument) {
        std::vector<std::size_t> which;
        if (index == 0) {
            for (std::size_t i = 0; i < relays.size(); ++i) which.push_back(i);
        } else if (static_cast<std::size_t>(index) <= relays.size()) {
            which.push_back(static_cast<std::size_t>(index - 1));
        } else {
            return {{"Command", "Unknown"}};
        }
        json out = json::object();
        for (const std::size_t i : which) {
            bool target = relays[i];
            if (argument == "on" || argument == "1" || argument == "true") target = true;
            if (argument == "off" || argument == "0" || argument == "false") target = false;
            if (argument == "toggle" || argument == "2") target = !relays[i];
            const bool lying = fault == PlugFault::liar && !argument.empty();
            if (!lying) set(i, target);
            out[power_key(i)] = (lying ? target : relays[i]) ? "ON" : "OFF";
        }
        return out;
    }

    void handle(const httplib::Request& request, httplib::Response& response) {
        PlugFault now_fault = PlugFault::none;
        json reply;
        {
            const std::lock_guard guard(lock);
            now_fault = fault;
            if (!settings.password.empty() && (request.get_param_value("user") != "admin" ||
                                               request.get_param_value("password") != settings.password)) {
                reply = {{"WARNING", "Need user=<username>&password=<password>"}};
            } else if (!request.has_param("cmnd")) {
                reply = {{"WARNING", "Enter command cmnd="}};
            } else {
                const std::string text = request.get_param_value("cmnd");
                const auto space = text.find(' ');
                reply = answer(lower(text.substr(0, space)),
                               space == std::string::npos ? std::string() : text.substr(space + 1));
            }
        }
        const std::string body = reply.dump();
        switch (now_fault) {
            case PlugFault::slow:
                std::this_thread::sleep_for(std::chrono::seconds(3));
                break;
            case PlugFault::garbage:
                response.set_content("<html><body>Tasmota</body></html>", "text/html");
                return;
            case PlugFault::http_error:
                response.status = 500;
                response.set_content("Internal Server Error", "text/plain");
                return;
            case PlugFault::truncated:
                // Content-Length says the whole answer; half of it comes.
                response.set_content_provider(body.size(), "application/json",
                                              [body](std::size_t, std::size_t, httplib::DataSink& sink) {
                                                  sink.write(body.data(), body.size() / 2);
                                                  return false;
                                              });
                return;
            case PlugFault::none:
            case PlugFault::liar:
                break;
        }
        response.set_content(body, "application/json");
    }
};

TasmotaPlug::TasmotaPlug(PlugSettings settings) : m_state(std::make_unique<State>()) {
    const int relays = std::max(1, settings.relays);
    m_state->settings = std::move(settings);
    m_state->relays.assign(static_cast<std::size_t>(relays), false);
    m_state->on_since.assign(static_cast<std::size_t>(relays), Clock::now());
    m_state->server.Get("/cm", [this](const httplib::Request& request, httplib::Response& response) {
        m_state->handle(request, response);
    });
}

TasmotaPlug::~TasmotaPlug() { stop(); }

bool TasmotaPlug::start() {
    State& state = *m_state;
    const std::string& host = state.settings.address;
    const int port = state.settings.port == 0
                         ? state.server.bind_to_any_port(host)
                         : (state.server.bind_to_port(host, state.settings.port) ? state.settings.port : -1);
    if (port <= 0) return false;
    state.port = port;
    state.thread = std::thread([&state] { state.server.listen_after_bind(); });
    // Serving before start() returns: a stop() that came first would not stop it.
    for (int i = 0; i < 1000 && !state.server.is_running(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return state.server.is_running();
}

void TasmotaPlug::stop() {
    if (!m_state->thread.joinable()) return;
    m_state->server.stop();
    m_state->thread.join();
}

int TasmotaPlug::port() const { return m_state->port; }

bool TasmotaPlug::relay_on(int relay) const {
    const std::lock_guard guard(m_state->lock);
    return m_state->relays.at(static_cast<std::size_t>(relay - 1));
}

void TasmotaPlug::set_relay(int relay, bool on) {
    const std::lock_guard guard(m_state->lock);
    m_state->set(static_cast<std::size_t>(relay - 1), on);
}

void TasmotaPlug::set_fault(PlugFault fault) {
    const std::lock_guard guard(m_state->lock);
    m_state->fault = fault;
}

void TasmotaPlug::set_password(std::string password) {
    const std::lock_guard guard(m_state->lock);
    m_state->settings.password = std::move(password);
}

}  // namespace slumber::vcluster
