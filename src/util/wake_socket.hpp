// How a hook, `slumber unblock` or the web API tells the daemon that there
// is work: one datagram on a Unix socket in the state directory. No answer
// is needed; the journal holds the request itself.
#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <string>

namespace slumber::util {

/// true: a daemon is listening and was woken; false: none is.
bool wake_daemon(const std::filesystem::path& socket);

/// The daemon's end: bound on construction, removed on destruction.
class WakeSocket {
  public:
    static std::expected<WakeSocket, std::string> bind(const std::filesystem::path& socket);
    ~WakeSocket();
    WakeSocket(WakeSocket&& other) noexcept : m_fd(other.m_fd), m_path(std::move(other.m_path)) { other.m_fd = -1; }
    WakeSocket(const WakeSocket&) = delete;
    WakeSocket& operator=(const WakeSocket&) = delete;
    WakeSocket& operator=(WakeSocket&&) = delete;

    /// Waits up to `limit` for a wake-up; true if one came (all queued ones
    /// are consumed).
    bool wait(std::chrono::milliseconds limit);

  private:
    WakeSocket(int fd, std::filesystem::path path) : m_fd(fd), m_path(std::move(path)) {}
    int m_fd;
    std::filesystem::path m_path;
};

}  // namespace slumber::util
