#include "util/wake_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>
#include <array>
#include <cerrno>
#include <cstring>

namespace slumber::util {
namespace {

std::expected<sockaddr_un, std::string> address_of(const std::filesystem::path& socket) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = socket.string();
    if (path.size() >= sizeof(address.sun_path)) {
        return std::unexpected(fmt::format("{}: path too long for a Unix socket", path));
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
}

}  // namespace

bool wake_daemon(const std::filesystem::path& socket) {
    auto address = address_of(socket);
    if (!address) return false;
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const char message = 'w';
    const ssize_t sent =
        ::sendto(fd, &message, 1, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&*address), sizeof(*address));
    // EAGAIN: its queue is full of wake-ups already, so it is awake.
    const bool woken = sent == 1 || errno == EAGAIN;
    ::close(fd);
    return woken;
}

std::expected<WakeSocket, std::string> WakeSocket::bind(const std::filesystem::path& socket) {
    auto address = address_of(socket);
    if (!address) return std::unexpected(address.error());
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return std::unexpected(fmt::format("socket: {}", std::strerror(errno)));
    ::unlink(socket.c_str());  // left by a daemon that was killed; the lock says none runs
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof(*address)) != 0) {
        const int error = errno;
        ::close(fd);
        return std::unexpected(fmt::format("cannot bind {}: {}", socket.string(), std::strerror(error)));
    }
    // Anyone may wake the daemon: a wake-up carries nothing, the journal
    // (whose file permissions do matter) holds the requests. Hooks run as
    // SlurmUser, the daemon often as root.
    ::chmod(socket.c_str(), 0666);
    return WakeSocket(fd, socket);
}

WakeSocket::~WakeSocket() {
    if (m_fd < 0) return;
    ::close(m_fd);
    ::unlink(m_path.c_str());
}

bool WakeSocket::wait(std::chrono::milliseconds limit) {
    pollfd waiting{m_fd, POLLIN, 0};
    if (::poll(&waiting, 1, static_cast<int>(limit.count())) <= 0) return false;
    std::array<char, 64> buffer{};
    while (::recv(m_fd, buffer.data(), buffer.size(), 0) > 0) {
    }
    return true;
}

}  // namespace slumber::util
