#include "vcluster/plug.hpp"

#include "vcluster/http_server.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <random>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
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

std::string sha256_hex(std::string_view text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

// The fields of an "Authorization: Digest k=v, k="v", …" header.
std::map<std::string, std::string> digest_fields(std::string_view header) {
    std::map<std::string, std::string> fields;
    if (!header.starts_with("Digest ")) return fields;
    header.remove_prefix(7);
    while (!header.empty()) {
        while (!header.empty() && (header.front() == ' ' || header.front() == ',')) header.remove_prefix(1);
        const auto equals = header.find('=');
        if (equals == std::string_view::npos) break;
        const std::string key(header.substr(0, equals));
        header.remove_prefix(equals + 1);
        std::string value;
        if (!header.empty() && header.front() == '"') {
            const auto close = header.find('"', 1);
            value = header.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
            header.remove_prefix(close == std::string_view::npos ? header.size() : close + 1);
        } else {
            const auto comma = header.find(',');
            value = header.substr(0, comma);
            header.remove_prefix(comma == std::string_view::npos ? header.size() : comma);
        }
        fields[key] = value;
    }
    return fields;
}

constexpr std::string_view kShellyId = "shellyplus1pm-a8032ab12345";

}  // namespace

struct Plug::State {
    PlugSettings settings;
    httplib::Server server;
    std::thread thread;
    std::atomic<int> port{0};
    mutable std::mutex lock;
    std::vector<bool> relays;
    std::vector<Clock::time_point> on_since;
    double watt_hours = 0;  // metered before the relays' current on-spells
    PlugFault fault = PlugFault::none;
    std::atomic<int> refused_logins{0};

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
        if (settings.on_switch) settings.on_switch(static_cast<int>(index), on);
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

    // Sends `reply`, or misbehaves as the current fault says.
    void send(httplib::Response& response, const json& reply, int status = 200) {
        PlugFault now_fault = PlugFault::none;
        {
            const std::lock_guard guard(lock);
            now_fault = fault;
        }
        send_json(response, reply.dump(), status, now_fault);
    }

    void tasmota(const httplib::Request& request, httplib::Response& response) {
        json reply;
        {
            const std::lock_guard guard(lock);
            if (!settings.password.empty() && (request.get_param_value("user") != "admin" ||
                                               request.get_param_value("password") != settings.password)) {
                reply = {{"WARNING", "Need user=<username>&password=<password>"}};
                ++refused_logins;
            } else if (!request.has_param("cmnd")) {
                reply = {{"WARNING", "Enter command cmnd="}};
            } else {
                const std::string text = request.get_param_value("cmnd");
                const auto space = text.find(' ');
                reply = answer(lower(text.substr(0, space)),
                               space == std::string::npos ? std::string() : text.substr(space + 1));
            }
        }
        send(response, reply);
    }

    // Shelly's authentication: Basic on Gen1, Digest (SHA-256, user admin)
    // on Gen2+. False when it refused (the response is then set).
    bool shelly_authorized(const httplib::Request& request, httplib::Response& response) {
        std::string password;
        {
            const std::lock_guard guard(lock);
            password = settings.password;
        }
        if (password.empty()) return true;
        const std::string header = request.get_header_value("Authorization");
        // A request without credentials is asked for them (Digest's
        // challenge); one with credentials that fail is a failed login.
        refused_logins += header.empty() ? 0 : 1;
        if (settings.api == PlugApi::shelly_gen1) {
            if (header == httplib::make_basic_authentication_header("admin", password).second) {
                --refused_logins;
                return true;
            }
            response.status = 401;
            response.set_header("WWW-Authenticate", "Basic realm=\"Shelly\"");
            return false;
        }
        auto fields = digest_fields(header);
        const std::string ha1 = sha256_hex(fmt::format("admin:{}:{}", kShellyId, password));
        const std::string ha2 = sha256_hex(fmt::format("{}:{}", request.method, fields["uri"]));
        const std::string expected = sha256_hex(
            fmt::format("{}:{}:{}:{}:{}:{}", ha1, fields["nonce"], fields["nc"], fields["cnonce"], fields["qop"], ha2));
        if (fields["username"] == "admin" && !fields["response"].empty() && fields["response"] == expected) {
            --refused_logins;
            return true;
        }
        response.status = 401;
        response.set_header("WWW-Authenticate",
                            fmt::format("Digest qop=\"auth\", realm=\"{}\", nonce=\"{:08x}\", algorithm=SHA-256",
                                        kShellyId, std::random_device{}()));
        return false;
    }

    // /relay/<n>[?turn=…], Gen1.
    void shelly_relay(const httplib::Request& request, httplib::Response& response) {
        if (!shelly_authorized(request, response)) return;
        const auto index = static_cast<std::size_t>(std::stoi(request.matches[1]));
        json reply;
        int status = 200;
        {
            const std::lock_guard guard(lock);
            if (index >= relays.size()) {
                status = 404;
                reply = "Not Found";
            } else {
                const std::string turn = request.get_param_value("turn");
                bool target = relays[index];
                if (turn == "on") target = true;
                if (turn == "off") target = false;
                if (turn == "toggle") target = !relays[index];
                const bool lying = fault == PlugFault::liar && !turn.empty();
                if (!lying) set(index, target);
                reply = {{"ison", lying ? target : static_cast<bool>(relays[index])},
                         {"has_timer", false},
                         {"timer_duration", 0},
                         {"overpower", false},
                         {"source", "http"}};
            }
        }
        send(response, reply, status);
    }

    // /rpc/<method>, Gen2+.
    void shelly_rpc(const httplib::Request& request, httplib::Response& response) {
        if (!shelly_authorized(request, response)) return;
        const std::string method = request.matches[1];
        json reply;
        int status = 200;
        {
            const std::lock_guard guard(lock);
            const std::string id_text = request.has_param("id") ? request.get_param_value("id") : "0";
            const std::size_t index = std::all_of(id_text.begin(), id_text.end(), ::isdigit) && !id_text.empty()
                                          ? static_cast<std::size_t>(std::stoul(id_text))
                                          : relays.size();
            if (method == "Shelly.GetDeviceInfo") {
                reply = {{"name", nullptr},          {"id", kShellyId},  {"mac", "A8032AB12345"},
                         {"model", "SNSW-001P16EU"}, {"gen", 2},         {"fw_id", "20230912-082002/1.0.3-emulator"},
                         {"ver", "1.0.3"},           {"app", "Plus1PM"}, {"auth_en", !settings.password.empty()}};
            } else if (method != "Switch.GetStatus" && method != "Switch.Set") {
                status = 404;
                reply = {{"code", 404}, {"message", fmt::format("No handler for {}", method)}};
            } else if (index >= relays.size()) {
                status = 500;
                reply = {{"code", -105}, {"message", fmt::format("Argument 'id', value {} not found!", id_text)}};
            } else if (method == "Switch.Set") {
                const std::string on = request.get_param_value("on");
                const bool was_on = relays[index];
                if (on != "true" && on != "false") {
                    status = 500;
                    reply = {{"code", -103}, {"message", "Invalid argument 'on'!"}};
                } else {
                    if (fault != PlugFault::liar) set(index, on == "true");
                    reply = {{"was_on", was_on}};
                }
            } else {
                reply = {{"id", index},
                         {"source", "http"},
                         {"output", static_cast<bool>(relays[index])},
                         {"temperature", {{"tC", 41.5}, {"tF", 106.7}}}};
                if (settings.watts > 0) {
                    const double watts = relays[index] ? settings.watts : 0.0;
                    reply["apower"] = watts;
                    reply["voltage"] = 230.0;
                    reply["current"] = std::round(watts / 230.0 * 1000) / 1000;
                    reply["aenergy"] = {{"total", std::round(total_kwh() * 1000 * 1000) / 1000}};
                }
            }
        }
        send(response, reply, status);
    }

    void shelly_status(const httplib::Request& request, httplib::Response& response) {
        if (!shelly_authorized(request, response)) return;
        json reply;
        {
            const std::lock_guard guard(lock);
            json relay_list = json::array();
            json meters = json::array();
            for (std::size_t i = 0; i < relays.size(); ++i) {
                relay_list.push_back({{"ison", static_cast<bool>(relays[i])}, {"source", "http"}});
                if (settings.watts > 0) {
                    meters.push_back({{"power", relays[i] ? settings.watts : 0.0},
                                      {"is_valid", true},
                                      {"total", std::round(total_kwh() * 1000 * 60)}});
                }
            }
            reply = {{"relays", relay_list}, {"meters", meters}};
        }
        send(response, reply);
    }

    void shelly_identity(httplib::Response& response) {
        const std::lock_guard guard(lock);
        response.set_content(json{{"type", "SHSW-PM"},
                                  {"mac", "A8032AB12345"},
                                  {"auth", !settings.password.empty()},
                                  {"fw", "20230913-114244/v1.14.0-emulator"},
                                  {"num_outputs", relays.size()},
                                  {"num_meters", settings.watts > 0 ? relays.size() : 0}}
                                 .dump(),
                             "application/json");
    }
};

Plug::Plug(PlugSettings settings) : m_state(std::make_unique<State>()) {
    const int relays = std::max(1, settings.relays);
    m_state->settings = std::move(settings);
    m_state->relays.assign(static_cast<std::size_t>(relays), false);
    m_state->on_since.assign(static_cast<std::size_t>(relays), Clock::now());
    State& state = *m_state;
    using httplib::Request;
    using httplib::Response;
    switch (state.settings.api) {
        case PlugApi::tasmota:
            state.server.Get(
                "/cm", [&state](const Request& request, Response& response) { state.tasmota(request, response); });
            break;
        case PlugApi::shelly_gen1:
            state.server.Get(R"(/relay/(\d+))", [&state](const Request& request, Response& response) {
                state.shelly_relay(request, response);
            });
            state.server.Get("/status", [&state](const Request& request, Response& response) {
                state.shelly_status(request, response);
            });
            state.server.Get("/shelly",
                             [&state](const Request&, Response& response) { state.shelly_identity(response); });
            break;
        case PlugApi::shelly_gen2:
            state.server.Get(R"(/rpc/([A-Za-z.]+))", [&state](const Request& request, Response& response) {
                state.shelly_rpc(request, response);
            });
            break;
    }
}

Plug::~Plug() { stop(); }

bool Plug::start() {
    State& state = *m_state;
    const int port = serve(state.server, state.settings.address, state.settings.port, state.thread);
    if (port <= 0) return false;
    state.port = port;
    return true;
}

void Plug::stop() {
    if (!m_state->thread.joinable()) return;
    m_state->server.stop();
    m_state->thread.join();
}

int Plug::port() const { return m_state->port; }

bool Plug::relay_on(int relay) const {
    const std::lock_guard guard(m_state->lock);
    return m_state->relays.at(static_cast<std::size_t>(relay));
}

void Plug::set_relay(int relay, bool on) {
    const std::lock_guard guard(m_state->lock);
    m_state->set(static_cast<std::size_t>(relay), on);
}

void Plug::set_fault(PlugFault fault) {
    const std::lock_guard guard(m_state->lock);
    m_state->fault = fault;
}

int Plug::refused_logins() const { return m_state->refused_logins; }

void Plug::set_password(std::string password) {
    const std::lock_guard guard(m_state->lock);
    m_state->settings.password = std::move(password);
}

}  // namespace slumber::vcluster
