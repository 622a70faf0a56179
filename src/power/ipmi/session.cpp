#include "power/ipmi/session.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "power/ipmi/ipmi_driver.hpp"

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
    if (opened < 0) m_error = error("cannot open a session with " + settings.host);
}

Session::~Session() {
    if (m_ctx == nullptr) return;
    if (!m_error) ipmi_ctx_close(m_ctx);
    ipmi_ctx_destroy(m_ctx);
}

PowerError Session::error(std::string what) const {
    const int errnum = ipmi_ctx_errnum(m_ctx);
    const char* said = ipmi_ctx_errormsg(m_ctx);
    return PowerError{error_kind(errnum), std::move(what), said != nullptr ? said : ""};
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
