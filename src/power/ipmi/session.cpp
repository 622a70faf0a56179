#include "power/ipmi/session.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "power/ipmi/ipmi_driver.hpp"
#include "power/ipmi/open_session.hpp"

namespace slumber::power::ipmi {

Session::Session(const Settings& settings) : m_ctx(ipmi_ctx_create()) {
    if (m_ctx == nullptr) {
        m_error = PowerError{ErrorKind::internal, "cannot create an IPMI context", {}};
        return;
    }
    const auto timeout = static_cast<unsigned>(settings.policy.timeout.count());
    // Retransmit once within the call's timeout. A BMC that is slow to carry
    // out a chassis command (many at once) runs every retransmitted copy
    // again; resending each second, as ipmipower does by default, doubles
    // its load exactly when it is busiest (64 virtual BMCs: `on` took 13 s
    // instead of 3.5 s).
    const unsigned retransmission = std::max(100U, timeout / 2);
    const std::string password(settings.password.reveal());
    const std::string k_g(settings.k_g.reveal());
    const int opened = ipmi_ctx_open_outofband_2_0(
        m_ctx, settings.host.c_str(), settings.username.c_str(), password.c_str(),
        k_g.empty() ? nullptr : reinterpret_cast<const unsigned char*>(k_g.data()), static_cast<unsigned>(k_g.size()),
        settings.privilege, settings.cipher_suite, timeout, retransmission, settings.workarounds, IPMI_FLAGS_DEFAULT);
    if (opened < 0) m_error = explain_open_failure(settings, error("cannot open a session with " + settings.host));
}

// FreeIPMI says "internal IPMI error" for most RMCP+ refusals and cannot tell
// a privilege the account lacks from a BMC that needs a workaround: one
// credential-free Open Session Request (open_session.hpp) tells which, so
// that a setting that cannot work is reported as such, at once, with its fix.
PowerError Session::explain_open_failure(const Settings& settings, PowerError failed) const {
    const int errnum = ipmi_ctx_errnum(m_ctx);
    const std::string suite = fmt::format("cipher suite {}", settings.cipher_suite);
    const std::string choose = "set cipher_suite to one it offers (3 is the most common)";
    if (errnum == IPMI_ERR_CIPHER_SUITE_ID_UNAVAILABLE) {
        return fail(ErrorKind::unsupported, fmt::format("{} does not offer {}: {}", settings.host, suite, choose),
                    failed.bmc_said)
            .error();
    }
    const bool opensesspriv = (settings.workarounds & IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE) != 0;
    if (errnum == IPMI_ERR_IPMI_ERROR || errnum == IPMI_ERR_BAD_RMCPPLUS_STATUS_CODE) {
        const auto answer = probe_open_session(settings.host, settings.cipher_suite,
                                               opensesspriv ? settings.privilege : 0, settings.policy.timeout);
        if (!answer || answer->status == 0) return failed;
        const std::string said =
            fmt::format("RMCP+ status {:#04x}: {}", answer->status, rmcpplus_status_text(answer->status));
        if (refuses_cipher_suite(answer->status)) {
            return fail(ErrorKind::unsupported, fmt::format("{} does not offer {}: {}", settings.host, suite, choose),
                        said)
                .error();
        }
        failed.bmc_said = said;
        return failed;
    }
    if (errnum == IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED && !opensesspriv) {
        // Asked for "the highest level" (what FreeIPMI asks without the
        // workaround), such a BMC grants none: ipmi_sim does, as do some
        // older BMCs.
        const auto answer = probe_open_session(settings.host, settings.cipher_suite, 0, settings.policy.timeout);
        if (answer && answer->status == 0 && answer->max_privilege < settings.privilege) {
            failed.message = fmt::format(
                "{}: the BMC grants no privilege to a session that asks for the highest: it needs FreeIPMI's "
                "opensesspriv workaround (workarounds = [\"opensesspriv\"] for it)",
                failed.message);
        } else {
            failed.message = fmt::format(
                "{}: the account lacks the privilege asked for (the privilege setting: user, operator or admin), "
                "or the BMC needs workarounds = [\"opensesspriv\"]",
                failed.message);
        }
    }
    return failed;
}

Session::~Session() {
    if (m_ctx == nullptr) return;
    if (!m_error) ipmi_ctx_close(m_ctx);
    ipmi_ctx_destroy(m_ctx);
}

PowerError Session::error(std::string what) const {
    const int errnum = ipmi_ctx_errnum(m_ctx);
    const char* said = ipmi_ctx_errormsg(m_ctx);
    return fail(error_kind(errnum), std::move(what), said != nullptr ? said : "").error();
}

bool Session::command_unsupported() const {
    const int errnum = ipmi_ctx_errnum(m_ctx);
    return errnum == IPMI_ERR_COMMAND_INVALID_OR_UNSUPPORTED || errnum == IPMI_ERR_BAD_COMPLETION_CODE;
}

Result<std::uint64_t> Response::field(const char* name) const {
    std::uint64_t value = 0;
    if (m_obj == nullptr || fiid_obj_get(m_obj, name, &value) <= 0) {
        return fail(ErrorKind::protocol, fmt::format("the answer has no {}", name));
    }
    return value;
}

}  // namespace slumber::power::ipmi
