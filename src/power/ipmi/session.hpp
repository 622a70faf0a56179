// One RMCP+ session with a BMC and the typed answers of its commands; shared
// by the driver and the SDR reader. Only files under power/ipmi include it,
// so FreeIPMI's headers stay out of the rest of the build.
#pragma once

#include <freeipmi/freeipmi.h>

#include <cstdint>
#include <optional>
#include <string>

#include "power/policy.hpp"
#include "power/result.hpp"
#include "util/secret.hpp"

namespace slumber::power::ipmi {

struct Settings {
    std::string host;  ///< with ":port" when not 623
    std::string username;
    util::Secret password;
    util::Secret k_g;
    std::uint8_t privilege = IPMI_PRIVILEGE_LEVEL_ADMIN;
    std::uint8_t cipher_suite = 3;
    unsigned workarounds = 0;
    CallPolicy policy;
};

/// Opened in the constructor, closed in the destructor; failed() says why it
/// could not be opened.
class Session {
  public:
    explicit Session(const Settings& settings);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    [[nodiscard]] const std::optional<PowerError>& failed() const { return m_error; }
    [[nodiscard]] ipmi_ctx_t ctx() const { return m_ctx; }
    /// The last command's error, with FreeIPMI's words for it.
    [[nodiscard]] PowerError error(std::string what) const;
    /// The last command failed because the BMC does not know it (as opposed
    /// to the session failing): worth trying another way.
    [[nodiscard]] bool command_unsupported() const;

  private:
    PowerError explain_open_failure(const Settings& settings, PowerError failed) const;

    ipmi_ctx_t m_ctx;
    std::optional<PowerError> m_error;
};

/// A response object for one command, freed on scope exit.
class Response {
  public:
    explicit Response(fiid_template_t tmpl) : m_obj(fiid_obj_create(tmpl)) {}
    ~Response() {
        if (m_obj != nullptr) fiid_obj_destroy(m_obj);
    }
    Response(const Response&) = delete;
    Response& operator=(const Response&) = delete;
    [[nodiscard]] fiid_obj_t get() const { return m_obj; }

    [[nodiscard]] Result<std::uint64_t> field(const char* name) const;

  private:
    fiid_obj_t m_obj;
};

}  // namespace slumber::power::ipmi
