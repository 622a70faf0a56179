#include "power/ipmi/open_session.hpp"

#include <freeipmi/freeipmi.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <memory>
#include <vector>

namespace slumber::power::ipmi {
namespace {

constexpr std::uint8_t kMessageTag = 0x5c;
constexpr std::uint32_t kConsoleSessionId = 0x736c6d62;  // "slmb": any non-zero value

// A FreeIPMI object, destroyed on scope exit.
using Object = std::unique_ptr<std::remove_pointer_t<fiid_obj_t>, decltype(&fiid_obj_destroy)>;
Object make_object(fiid_template_t tmpl) { return {fiid_obj_create(tmpl), fiid_obj_destroy}; }

// "host", "host:port", "[v6]:port" or a bare IPv6 address.
std::pair<std::string, std::string> split_host(const std::string& host) {
    if (host.starts_with('[')) {
        const auto close = host.find(']');
        if (close != std::string::npos) {
            const std::string port = host.size() > close + 2 && host[close + 1] == ':' ? host.substr(close + 2) : "623";
            return {host.substr(1, close - 1), port};
        }
    }
    const auto colon = host.find(':');
    if (colon != std::string::npos && host.find(':', colon + 1) == std::string::npos) {
        return {host.substr(0, colon), host.substr(colon + 1)};
    }
    return {host, "623"};
}

class Socket {
  public:
    explicit Socket(int fd) : m_fd(fd) {}
    ~Socket() {
        if (m_fd >= 0) ::close(m_fd);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    [[nodiscard]] int fd() const { return m_fd; }

  private:
    int m_fd;
};

// The request as bytes, or nothing if FreeIPMI cannot build it.
std::optional<std::vector<std::uint8_t>> request_packet(std::uint8_t auth, std::uint8_t integrity,
                                                        std::uint8_t confidentiality, std::uint8_t privilege) {
    auto rmcp = make_object(tmpl_rmcp_hdr);
    auto session = make_object(tmpl_rmcpplus_session_hdr);
    auto message = make_object(tmpl_lan_msg_hdr_rq);
    auto request = make_object(tmpl_rmcpplus_open_session_request);
    auto trailer = make_object(tmpl_rmcpplus_session_trlr);
    if (!rmcp || !session || !message || !request || !trailer) return std::nullopt;
    if (fill_rmcp_hdr_ipmi(rmcp.get()) < 0 ||
        fill_rmcpplus_session_hdr(IPMI_PAYLOAD_TYPE_RMCPPLUS_OPEN_SESSION_REQUEST, IPMI_PAYLOAD_FLAG_UNAUTHENTICATED,
                                  IPMI_PAYLOAD_FLAG_UNENCRYPTED, 0, 0, 0, 0, session.get()) < 0 ||
        fill_rmcpplus_session_trlr(trailer.get()) < 0 ||
        fill_rmcpplus_open_session(kMessageTag, privilege, kConsoleSessionId, auth, integrity, confidentiality,
                                   request.get()) < 0) {
        return std::nullopt;
    }
    std::vector<std::uint8_t> packet(512);
    const int length = assemble_ipmi_rmcpplus_pkt(
        IPMI_AUTHENTICATION_ALGORITHM_RAKP_NONE, IPMI_INTEGRITY_ALGORITHM_NONE, IPMI_CONFIDENTIALITY_ALGORITHM_NONE,
        nullptr, 0, nullptr, 0, nullptr, 0, rmcp.get(), session.get(), message.get(), request.get(), trailer.get(),
        packet.data(), static_cast<unsigned>(packet.size()), IPMI_INTERFACE_FLAGS_DEFAULT);
    if (length <= 0) return std::nullopt;
    packet.resize(static_cast<std::size_t>(length));
    return packet;
}

// The answer in a received packet, if it is the Open Session Response to ours.
std::optional<OpenSessionAnswer> read_answer(const std::uint8_t* data, std::size_t size) {
    auto rmcp = make_object(tmpl_rmcp_hdr);
    auto session = make_object(tmpl_rmcpplus_session_hdr);
    auto payload = make_object(tmpl_rmcpplus_payload);
    auto message = make_object(tmpl_lan_msg_hdr_rs);
    auto response = make_object(tmpl_rmcpplus_open_session_response);
    auto message_trailer = make_object(tmpl_lan_msg_trlr);
    auto trailer = make_object(tmpl_rmcpplus_session_trlr);
    if (!rmcp || !session || !payload || !message || !response || !message_trailer || !trailer) return std::nullopt;
    if (unassemble_ipmi_rmcpplus_pkt(
            IPMI_AUTHENTICATION_ALGORITHM_RAKP_NONE, IPMI_INTEGRITY_ALGORITHM_NONE, IPMI_CONFIDENTIALITY_ALGORITHM_NONE,
            nullptr, 0, nullptr, 0, data, static_cast<unsigned>(size), rmcp.get(), session.get(), payload.get(),
            message.get(), response.get(), message_trailer.get(), trailer.get(), IPMI_INTERFACE_FLAGS_DEFAULT) < 0) {
        return std::nullopt;
    }
    std::uint64_t type = 0;
    std::uint64_t tag = 0;
    std::uint64_t status = 0;
    std::uint64_t privilege = 0;
    if (fiid_obj_get(session.get(), "payload_type", &type) <= 0 ||
        type != IPMI_PAYLOAD_TYPE_RMCPPLUS_OPEN_SESSION_RESPONSE ||
        fiid_obj_get(response.get(), "message_tag", &tag) <= 0 || tag != kMessageTag ||
        fiid_obj_get(response.get(), "rmcpplus_status_code", &status) <= 0) {
        return std::nullopt;
    }
    // A refusal may stop after the status: no privilege then.
    (void)fiid_obj_get(response.get(), "maximum_privilege_level", &privilege);
    return OpenSessionAnswer{static_cast<std::uint8_t>(status), static_cast<std::uint8_t>(privilege)};
}

}  // namespace

std::optional<OpenSessionAnswer> probe_open_session(const std::string& host, std::uint8_t cipher_suite,
                                                    std::uint8_t privilege, std::chrono::milliseconds timeout) {
    std::uint8_t auth = 0;
    std::uint8_t integrity = 0;
    std::uint8_t confidentiality = 0;
    if (ipmi_cipher_suite_id_to_algorithms(cipher_suite, &auth, &integrity, &confidentiality) < 0) return std::nullopt;
    const auto packet = request_packet(auth, integrity, confidentiality, privilege);
    if (!packet) return std::nullopt;

    const auto [name, port] = split_host(host);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(name.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) return std::nullopt;
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> address(found, ::freeaddrinfo);
    const Socket socket(::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol));
    if (socket.fd() < 0 || ::connect(socket.fd(), found->ai_addr, found->ai_addrlen) != 0) return std::nullopt;

    // Sent twice at most (UDP may lose one), half the timeout apart.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (int sent = 0; sent < 2; ++sent) {
        if (::send(socket.fd(), packet->data(), packet->size(), 0) < 0) return std::nullopt;
        const auto until = sent == 0 ? std::chrono::steady_clock::now() + timeout / 2 : deadline;
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd ready{socket.fd(), POLLIN, 0};
            if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) break;
            std::array<std::uint8_t, 1024> buffer{};
            const ssize_t got = ::recv(socket.fd(), buffer.data(), buffer.size(), 0);
            if (got <= 0) break;
            if (auto answer = read_answer(buffer.data(), static_cast<std::size_t>(got))) return answer;
        }
    }
    return std::nullopt;
}

std::string rmcpplus_status_text(std::uint8_t status) {
    std::array<char, 256> text{};
    if (ipmi_rmcpplus_status_strerror_r(status, text.data(), text.size()) < 0) return "unknown status";
    std::string words = text.data();
    if (words.ends_with('.')) words.pop_back();  // FreeIPMI's sentences end with one
    return words;
}

bool refuses_cipher_suite(std::uint8_t status) {
    return status == RMCPPLUS_STATUS_INVALID_AUTHENTICATION_ALGORITHM ||
           status == RMCPPLUS_STATUS_INVALID_INTEGRITY_ALGORITHM ||
           status == RMCPPLUS_STATUS_NO_MATCHING_AUTHENTICATION_PAYLOAD ||
           status == RMCPPLUS_STATUS_NO_MATCHING_INTEGRITY_PAYLOAD ||
           status == RMCPPLUS_STATUS_INVALID_CONFIDENTIALITY_ALGORITHM ||
           status == RMCPPLUS_STATUS_NO_CIPHER_SUITE_MATCH_WITH_PROPOSED_SECURITY_ALGORITHMS;
}

}  // namespace slumber::power::ipmi
