// TCP listeners on 127.0.0.1 for tests of code that probes ports: one that
// accepts, and one that drops new connections as a powered-off machine or a
// firewall would (a listener that never accepts, its queue filled).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

namespace slumber::testing {

/// A listening socket with a kernel-chosen port.
struct Listener {
    explicit Listener(int backlog = 8) {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address = loopback(0);
        socklen_t length = sizeof address;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 && ::listen(fd, backlog) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
            port = ntohs(address.sin_port);
        }
    }
    ~Listener() {
        for (const int held : queued) ::close(held);
        ::close(fd);
    }
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    static sockaddr_in loopback(int port) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        return address;
    }
    /// Fills the accept queue of a listener made with backlog 0: Linux then
    /// drops further SYNs, and a connect gets no answer.
    void fill_queue() {
        for (int i = 0; i < 4; ++i) {
            const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            const sockaddr_in address = loopback(port);
            (void)::connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof address);
            queued.push_back(client);
        }
        ::usleep(50000);  // the handshakes complete into the queue
    }

    int fd = -1;
    int port = 0;
    std::vector<int> queued;
};

}  // namespace slumber::testing
