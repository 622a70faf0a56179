#include "util/probe.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace slumber::util {
namespace {

ProbeResult from_errno(int error) {
    switch (error) {
        case ECONNREFUSED:
            return {Reach::refused, std::strerror(error)};
        case ETIMEDOUT:
        case EHOSTUNREACH:
        case ENETUNREACH:
            return {Reach::silent, std::strerror(error)};
        default:
            return {Reach::error, std::strerror(error)};
    }
}

struct Socket {
    explicit Socket(const addrinfo& address)
        : fd(::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {}
    ~Socket() {
        if (fd >= 0) ::close(fd);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    int fd;
};

ProbeResult try_address(const addrinfo& address, std::chrono::milliseconds timeout) {
    const Socket socket(address);
    const int fd = socket.fd;
    if (fd < 0) return from_errno(errno);
    if (::connect(fd, address.ai_addr, address.ai_addrlen) == 0) return {Reach::open, ""};
    if (errno != EINPROGRESS) return from_errno(errno);
    pollfd waiting{fd, POLLOUT, 0};
    const int ready = ::poll(&waiting, 1, static_cast<int>(timeout.count()));
    if (ready < 0) return from_errno(errno);
    if (ready == 0) return {Reach::silent, "no answer"};
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return from_errno(errno);
    return error == 0 ? ProbeResult{Reach::open, ""} : from_errno(error);
}

}  // namespace

ProbeResult probe_tcp(const std::string& host, int port, std::chrono::milliseconds timeout) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
        return {Reach::unresolved, rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc)};
    }
    const std::unique_ptr<addrinfo, void (*)(addrinfo*)> owner(found, ::freeaddrinfo);
    // The first address that answers either way decides; a silent one lets
    // the next try (a dual-stack name whose IPv6 route is dead).
    ProbeResult result{Reach::error, "no address"};
    for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
        result = try_address(*address, timeout);
        if (result.reach == Reach::open || result.reach == Reach::refused) break;
    }
    return result;
}

}  // namespace slumber::util
