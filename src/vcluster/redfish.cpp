#include "vcluster/redfish.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "vcluster/certificate.hpp"
#include "vcluster/http_server.hpp"

namespace slumber::vcluster {
namespace {

using httplib::Request;
using httplib::Response;
using nlohmann::json;

constexpr std::string_view kRoot = "/redfish/v1";

json link(const std::string& path) { return {{"@odata.id", path}}; }

// Redfish's error body, with one message from the Base registry.
json error_body(std::string_view id, std::string_view message) {
    const std::string code = fmt::format("Base.1.8.{}", id);
    return {{"error",
             {{"code", code},
              {"message", message},
              {"@Message.ExtendedInfo",
               json::array({{{"MessageId", code}, {"Message", message}, {"Severity", "Critical"}}})}}}};
}

std::string random_hex(std::size_t length) {
    static thread_local std::mt19937_64 generator{std::random_device{}()};
    std::string out;
    while (out.size() < length) out += fmt::format("{:016x}", generator());
    out.resize(length);
    return out;
}

}  // namespace

struct RedfishBmc::State {
    RedfishSettings settings;
    std::unique_ptr<httplib::SSLServer> server;
    std::thread thread;
    int port = 0;
    mutable std::mutex lock;
    HttpFault fault = HttpFault::none;
    std::map<std::string, std::string> sessions;  // token -> session path
    int next_session = 1;
    std::vector<std::pair<std::string, std::string>> resets;  // system, ResetType
    std::set<std::string> peers;                              // address:port of every connection served
    mutable std::vector<SystemPower> systems;                 // the first is the one the settings describe
    // A Reset answered 202: which system, the change it started (-1: none,
    // it took effect at once), the state asked for, and whether its monitor
    // has given the operation's final answer.
    struct Task {
        std::size_t system = 0;
        int serial = -1;
        bool on = false;
        bool answered = false;
    };
    std::vector<Task> tasks;  // Tasks/<index + 1>

    explicit State(RedfishSettings given) : settings(std::move(given)) {
        systems.emplace_back(settings.system_id, settings.timing, settings.read_power, settings.on_power);
        for (const std::string& id : settings.more_systems) systems.emplace_back(id, settings.timing);
    }

    [[nodiscard]] static std::string system_path(const SystemPower& system) {
        return fmt::format("{}/Systems/{}", kRoot, system.id());
    }
    [[nodiscard]] static std::string reset_path(const SystemPower& system) {
        return system_path(system) + "/Actions/ComputerSystem.Reset";
    }
    [[nodiscard]] static std::string task_path(std::size_t index) {
        return fmt::format("{}/TaskService/Tasks/{}", kRoot, index + 1);
    }

    // The members below are called with `lock` held.
    SystemPower* find_system(const std::string& id) const {
        if (id.empty()) return &systems.front();
        for (SystemPower& system : systems) {
            if (system.id() == id) return &system;
        }
        return nullptr;
    }

    [[nodiscard]] bool authorized(const Request& request) const {
        if (const auto token = request.get_header_value("X-Auth-Token"); !token.empty()) {
            return sessions.contains(token);
        }
        return request.get_header_value("Authorization") ==
               httplib::make_basic_authentication_header(settings.username, settings.password).second;
    }

    // One request; the status and JSON answer.
    std::pair<int, json> answer(const Request& request, Response& response) {
        std::string path = request.path;
        while (path.size() > 1 && path.ends_with('/')) path.pop_back();
        if (request.method == "GET" && path == "/redfish") return {200, {{"v1", "/redfish/v1/"}}};
        if (request.method == "GET" && path == kRoot) return {200, service_root()};
        if (request.method == "POST" && path == fmt::format("{}/SessionService/Sessions", kRoot)) {
            return log_in(request, response);
        }
        if (!authorized(request)) {
            response.set_header("WWW-Authenticate", "Basic realm=\"Redfish\"");
            return {401, error_body("NoValidSession",
                                    "There is no valid session established with the "
                                    "implementation.")};
        }
        if (request.method == "DELETE" && path.starts_with(fmt::format("{}/SessionService/Sessions/", kRoot))) {
            const auto it = std::find_if(sessions.begin(), sessions.end(),
                                         [&](const auto& session) { return session.second == path; });
            if (it == sessions.end()) return {404, error_body("ResourceMissingAtURI", "No such session.")};
            sessions.erase(it);
            return {204, nullptr};
        }
        if (request.method == "POST") {
            for (std::size_t i = 0; i < systems.size(); ++i) {
                if (settings.reset_action && path == reset_path(systems[i])) return reset(request, response, i);
            }
        }
        if (request.method == "GET" && path.starts_with(fmt::format("{}/TaskService/Tasks/", kRoot)) &&
            path.ends_with("/Monitor")) {
            return monitor(path, response);
        }
        if (request.method != "GET") {
            return {405, error_body("OperationNotAllowed", "The HTTP method is not allowed for this resource.")};
        }
        if (auto resource = get(path)) return {200, std::move(*resource)};
        return {404,
                error_body("ResourceMissingAtURI", fmt::format("The resource at the URI {} was not found.", path))};
    }

    [[nodiscard]] bool legacy_power() const {
        return settings.metrics == RedfishMetrics::legacy_power ||
               settings.metrics == RedfishMetrics::environment_without_watts;
    }
    [[nodiscard]] bool environment_metrics() const {
        return settings.metrics == RedfishMetrics::environment_metrics ||
               settings.metrics == RedfishMetrics::environment_without_watts;
    }

    [[nodiscard]] json service_root() const {
        return {{"@odata.id", "/redfish/v1/"},
                {"@odata.type", "#ServiceRoot.v1_15_0.ServiceRoot"},
                {"Id", "RootService"},
                {"Name", "Root Service"},
                {"RedfishVersion", "1.15.0"},
                {"UUID", settings.uuid},
                {"Systems", link("/redfish/v1/Systems")},
                {"Chassis", link("/redfish/v1/Chassis")},
                {"Managers", link("/redfish/v1/Managers")},
                {"Tasks", link("/redfish/v1/TaskService")},
                {"SessionService", link("/redfish/v1/SessionService")},
                {"Links", {{"Sessions", link("/redfish/v1/SessionService/Sessions")}}}};
    }

    [[nodiscard]] json system_resource(SystemPower& system, std::size_t index) const {
        json resource = {
            {"@odata.id", system_path(system)},
            {"@odata.type", "#ComputerSystem.v1_20_0.ComputerSystem"},
            {"Id", system.id()},
            {"Name", "System"},
            {"Manufacturer", "slumber"},
            {"Model", "Virtual node"},
            {"UUID", index == 0 ? settings.uuid : fmt::format("{}{:x}", settings.uuid.substr(0, 35), index % 16)},
            {"PowerState", system.power_state()},
            {"Links",
             {{"Chassis", json::array({link(fmt::format("{}/Chassis/1", kRoot))})},
              {"ManagedBy", json::array({link(fmt::format("{}/Managers/1", kRoot))})}}}};
        if (settings.reset_action) {
            json reset = {{"target", reset_path(system)}};
            if (settings.reset_action_info) {
                reset["@Redfish.ActionInfo"] = system_path(system) + "/ResetActionInfo";
            } else {
                reset["ResetType@Redfish.AllowableValues"] = settings.reset_types;
            }
            resource["Actions"] = {{"#ComputerSystem.Reset", reset}};
        }
        return resource;
    }

    // A Task (DSP0268 Task.v1_7): Running while its change is under way, then
    // Completed, or Exception when another change replaced it first.
    [[nodiscard]] json task_resource(std::size_t index) const {
        const Task& task = tasks[index];
        SystemPower& system = systems[task.system];
        const bool running = task.serial > 0 && system.change_serial() == task.serial;
        const bool reached = system.powered() == task.on;
        return {{"@odata.id", task_path(index)},
                {"@odata.type", "#Task.v1_7_0.Task"},
                {"Id", std::to_string(index + 1)},
                {"Name", "ComputerSystem.Reset"},
                {"TaskState", running   ? "Running"
                              : reached ? "Completed"
                                        : "Exception"},
                {"TaskStatus", running || reached ? "OK" : "Warning"},
                {"TaskMonitor", task_path(index) + "/Monitor"}};
    }

    // Every resource a GET may read, but the service root.
    [[nodiscard]] std::optional<json> get(const std::string& path) const {
        const std::string chassis = fmt::format("{}/Chassis/1", kRoot);
        const bool on = systems.front().powered();
        const double watts = on ? settings.watts_on : settings.watts_off;
        const double celsius = settings.read_inlet ? settings.read_inlet() : on ? 26 : 22;
        if (path == fmt::format("{}/Systems", kRoot)) {
            json members = json::array();
            for (const SystemPower& system : systems) members.push_back(link(system_path(system)));
            return json{{"@odata.id", path},
                        {"@odata.type", "#ComputerSystemCollection.ComputerSystemCollection"},
                        {"Members", members},
                        {"Members@odata.count", members.size()}};
        }
        for (std::size_t i = 0; i < systems.size(); ++i) {
            SystemPower& system = systems[i];
            if (path == system_path(system)) return system_resource(system, i);
            if (settings.reset_action && settings.reset_action_info &&
                path == system_path(system) + "/ResetActionInfo") {
                return json{{"@odata.id", path},
                            {"@odata.type", "#ActionInfo.v1_3_0.ActionInfo"},
                            {"Parameters", json::array({{{"Name", "ResetType"},
                                                         {"Required", true},
                                                         {"DataType", "String"},
                                                         {"AllowableValues", settings.reset_types}}})}};
            }
        }
        for (std::size_t i = 0; i < tasks.size(); ++i) {
            if (path == task_path(i)) return task_resource(i);
        }
        if (path == fmt::format("{}/TaskService", kRoot)) {
            return json{{"@odata.id", path},
                        {"@odata.type", "#TaskService.v1_2_0.TaskService"},
                        {"Id", "TaskService"},
                        {"ServiceEnabled", true},
                        {"Tasks", link(path + "/Tasks")}};
        }
        if (path == chassis) {
            json resource = {{"@odata.id", path},
                             {"@odata.type", "#Chassis.v1_23_0.Chassis"},
                             {"Id", "1"},
                             {"ChassisType", "RackMount"},
                             {"PowerState", on ? "On" : "Off"}};
            if (legacy_power()) {
                resource["Power"] = link(chassis + "/Power");
                resource["Thermal"] = link(chassis + "/Thermal");
            }
            if (environment_metrics()) resource["EnvironmentMetrics"] = link(chassis + "/EnvironmentMetrics");
            return resource;
        }
        if (legacy_power() && path == chassis + "/Power") {
            return json{
                {"@odata.id", path},
                {"PowerControl",
                 json::array({{{"MemberId", "0"}, {"Name", "System Power Control"}, {"PowerConsumedWatts", watts}}})}};
        }
        if (legacy_power() && path == chassis + "/Thermal") {
            return json{{"@odata.id", path},
                        {"Temperatures", json::array({{{"MemberId", "0"},
                                                       {"Name", "Inlet Temp"},
                                                       {"PhysicalContext", "Intake"},
                                                       {"ReadingCelsius", celsius}}})}};
        }
        if (environment_metrics() && path == chassis + "/EnvironmentMetrics") {
            json resource = {{"@odata.id", path},
                             {"@odata.type", "#EnvironmentMetrics.v1_3_0.EnvironmentMetrics"},
                             {"TemperatureCelsius", {{"Reading", celsius}}}};
            if (settings.metrics == RedfishMetrics::environment_metrics) resource["PowerWatts"] = {{"Reading", watts}};
            return resource;
        }
        if (path == fmt::format("{}/Managers/1", kRoot)) {
            return json{{"@odata.id", path},
                        {"@odata.type", "#Manager.v1_17_0.Manager"},
                        {"Id", "1"},
                        {"ManagerType", "BMC"},
                        {"Manufacturer", "slumber"},
                        {"Model", "Virtual BMC"},
                        {"FirmwareVersion", "1.0.0-emulator"}};
        }
        return std::nullopt;
    }

    std::pair<int, json> log_in(const Request& request, Response& response) {
        const json body = json::parse(request.body, nullptr, false);
        if (!body.is_object() || !body.contains("UserName") || !body.contains("Password")) {
            return {400, error_body("MalformedJSON", "The request body submitted was malformed JSON.")};
        }
        if (body["UserName"] != settings.username || body["Password"] != settings.password) {
            return {401, error_body("InsufficientPrivilege", "Invalid username or password.")};
        }
        if (static_cast<int>(sessions.size()) >= settings.max_sessions) {
            return {503, error_body("SessionLimitExceeded",
                                    "The session establishment failed due to the number of simultaneous "
                                    "sessions exceeding the limit of the implementation.")};
        }
        const std::string id = std::to_string(next_session++);
        const std::string path = fmt::format("{}/SessionService/Sessions/{}", kRoot, id);
        const std::string token = random_hex(32);
        sessions[token] = path;
        response.set_header("X-Auth-Token", token);
        response.set_header("Location", path);
        return {201, {{"@odata.id", path}, {"Id", id}, {"UserName", settings.username}}};
    }

    std::pair<int, json> reset(const Request& request, Response& response, std::size_t index) {
        SystemPower& system = systems[index];
        const json body = json::parse(request.body, nullptr, false);
        if (!body.is_object() || !body.contains("ResetType") || !body["ResetType"].is_string()) {
            return {400, error_body("ActionParameterMissing",
                                    "The action ComputerSystem.Reset requires the parameter ResetType to be "
                                    "present in the request body.")};
        }
        const std::string type = body["ResetType"];
        resets.emplace_back(system.id(), type);
        if (std::find(settings.reset_types.begin(), settings.reset_types.end(), type) == settings.reset_types.end()) {
            return {400, error_body("ActionParameterNotSupported",
                                    fmt::format("The parameter ResetType for the action ComputerSystem.Reset is "
                                                "not supported on the target resource: {}.",
                                                type))};
        }
        // bmcweb's answer to a change while the last one is under way.
        if (settings.refuse_while_changing && type != "ForceOff" && system.changing()) {
            return {503, error_body("ResourceInUse",
                                    "The change to the requested resource failed because the resource is in use "
                                    "or in transition.")};
        }
        if (fault == HttpFault::liar) return {204, nullptr};
        bool wanted = system.powered();
        if (type == "On" || type == "ForceOn") {
            wanted = true;
            system.change_to(true, false);
        } else if (type == "ForceOff") {
            wanted = false;
            system.change_to(false, false);
        } else if (type == "GracefulShutdown") {
            wanted = false;
            system.change_to(false, true);
        } else if (type == "PushPowerButton") {
            wanted = !wanted;
            system.change_to(wanted, true);
        } else if (type == "Resume") {
            system.resume();
        } else if (type == "ForceRestart" || type == "GracefulRestart" || type == "PowerCycle") {
            if (!system.powered() && type != "PowerCycle") {
                return {409, error_body("ActionNotSupported", "The system is powered off; it cannot restart.")};
            }
            wanted = true;
            system.force(false, type == "GracefulRestart");
            system.change_to(true, false);
        }
        if (!settings.async_reset) return {204, nullptr};
        // DSP0266, asynchronous operations: 202 Accepted, the Task in the
        // body and its task monitor in Location.
        const int serial = system.change_serial();
        tasks.push_back({index, serial > 0 ? serial : -1, wanted, false});
        response.set_header("Location", task_path(tasks.size() - 1) + "/Monitor");
        return {202, task_resource(tasks.size() - 1)};
    }

    // A task monitor: 202 and the Task while it runs; then, once, the
    // operation's own answer (204, or its error); then it is gone (404), as
    // bmcweb's are.
    std::pair<int, json> monitor(const std::string& path, Response& response) {
        for (std::size_t i = 0; i < tasks.size(); ++i) {
            if (path != task_path(i) + "/Monitor" || tasks[i].answered) continue;
            json task = task_resource(i);
            if (task["TaskState"] == "Running") {
                response.set_header("Location", path);
                response.set_header("Retry-After", "1");
                return {202, std::move(task)};
            }
            tasks[i].answered = true;
            if (task["TaskState"] == "Completed") return {204, nullptr};
            return {500, error_body("OperationFailed",
                                    "An error occurred internal to the service as part of the overall request.")};
        }
        return {404,
                error_body("ResourceMissingAtURI", fmt::format("The resource at the URI {} was not found.", path))};
    }

    void handle(const Request& request, Response& response) {
        HttpFault now_fault = HttpFault::none;
        std::pair<int, json> reply;
        {
            const std::lock_guard guard(lock);
            now_fault = fault;
            peers.insert(fmt::format("{}:{}", request.remote_addr, request.remote_port));
            reply = answer(request, response);
        }
        if (reply.first == 204) {
            response.status = 204;
            return;
        }
        response.set_header("OData-Version", "4.0");
        send_json(response, reply.second.dump(), reply.first, now_fault);
    }
};

RedfishBmc::RedfishBmc(RedfishSettings settings) : m_state(std::make_unique<State>(std::move(settings))) {}

RedfishBmc::~RedfishBmc() { stop(); }

std::string RedfishBmc::start() {
    State& state = *m_state;
    const auto& settings = state.settings;
    if (!std::filesystem::exists(settings.certificate) || !std::filesystem::exists(settings.key)) {
        auto made = make_self_signed(settings.certificate, settings.key, {settings.address, "localhost"});
        if (!made) return made.error();
    }
    // OpenSSL writes to a socket whose client gave up (timed out) raise
    // SIGPIPE, which would end the whole process; the write's error is enough.
    std::signal(SIGPIPE, SIG_IGN);
    state.server = std::make_unique<httplib::SSLServer>(settings.certificate.c_str(), settings.key.c_str());
    if (!state.server->is_valid()) return fmt::format("cannot serve TLS with {}", settings.certificate.string());
    // cpp-httplib closes a connection after 5 requests; BMCs keep theirs
    // open for a client's whole conversation.
    state.server->set_keep_alive_max_count(100);
    const auto handler = [&state](const Request& request, Response& response) { state.handle(request, response); };
    state.server->Get(".*", handler);
    state.server->Post(".*", handler);
    state.server->Delete(".*", handler);
    state.server->Patch(".*", handler);
    const int port = serve(*state.server, settings.address, settings.port, state.thread);
    if (port <= 0) return fmt::format("cannot listen on {}:{}", settings.address, settings.port);
    state.port = port;
    return {};
}

void RedfishBmc::stop() {
    if (!m_state->thread.joinable()) return;
    m_state->server->stop();
    m_state->thread.join();
}

int RedfishBmc::port() const { return m_state->port; }

bool RedfishBmc::powered(const std::string& system) const {
    const std::lock_guard guard(m_state->lock);
    SystemPower* found = m_state->find_system(system);
    return found != nullptr && found->powered();
}

std::string RedfishBmc::power_state(const std::string& system) const {
    const std::lock_guard guard(m_state->lock);
    SystemPower* found = m_state->find_system(system);
    return found != nullptr ? found->power_state() : "";
}

void RedfishBmc::set_power(bool on) {
    const std::lock_guard guard(m_state->lock);
    m_state->systems.front().force(on, false);
}

void RedfishBmc::pause() {
    const std::lock_guard guard(m_state->lock);
    m_state->systems.front().pause();
}

void RedfishBmc::set_fault(HttpFault fault) {
    const std::lock_guard guard(m_state->lock);
    m_state->fault = fault;
}

void RedfishBmc::set_password(std::string password) {
    const std::lock_guard guard(m_state->lock);
    m_state->settings.password = std::move(password);
}

int RedfishBmc::connections() const {
    const std::lock_guard guard(m_state->lock);
    return static_cast<int>(m_state->peers.size());
}

int RedfishBmc::sessions() const {
    const std::lock_guard guard(m_state->lock);
    return static_cast<int>(m_state->sessions.size());
}

void RedfishBmc::end_sessions() {
    const std::lock_guard guard(m_state->lock);
    m_state->sessions.clear();
}

std::vector<std::string> RedfishBmc::resets(const std::string& system) const {
    const std::lock_guard guard(m_state->lock);
    std::vector<std::string> types;
    for (const auto& [id, type] : m_state->resets) {
        if (system.empty() || id == system) types.push_back(type);
    }
    return types;
}

}  // namespace slumber::vcluster
