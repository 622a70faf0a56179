#include "util/probe.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace slumber::util {
namespace {

using std::chrono::milliseconds;

// A listening socket on 127.0.0.1 with a kernel-chosen port.
struct Listener {
    explicit Listener(int backlog) {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 && ::listen(fd, backlog) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
            port = ntohs(address.sin_port);
        }
    }
    ~Listener() { ::close(fd); }
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
    int fd = -1;
    int port = 0;
};

TEST(ProbeTcp, AListeningPortIsOpen) {
    const Listener listener(8);
    ASSERT_NE(listener.port, 0);
    EXPECT_EQ(probe_tcp("127.0.0.1", listener.port, milliseconds{1000}).reach, Reach::open);
}

TEST(ProbeTcp, AClosedPortIsRefused) {
    int port = 0;
    {
        const Listener gone(1);
        port = gone.port;
    }
    const ProbeResult result = probe_tcp("127.0.0.1", port, milliseconds{1000});
    EXPECT_EQ(result.reach, Reach::refused);
    EXPECT_EQ(result.detail, "Connection refused");
}

TEST(ProbeTcp, AHostThatDropsTheConnectionIsSilent) {
    // A listener that never accepts: once its queue is full, Linux drops
    // further SYNs, as a firewall or a machine that is not up would.
    const Listener full(0);
    std::vector<int> held;
    ProbeResult result;
    for (int i = 0; i < 8 && result.reach != Reach::silent; ++i) {
        result = probe_tcp("127.0.0.1", full.port, milliseconds{200});
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(full.port));
        (void)::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
        held.push_back(fd);
    }
    for (const int fd : held) ::close(fd);
    EXPECT_EQ(result.reach, Reach::silent);
}

TEST(ProbeTcp, ANameThatDoesNotResolve) {
    // .invalid is reserved never to resolve (RFC 2606).
    const ProbeResult result = probe_tcp("no-such-node.invalid", 6818, milliseconds{1000});
    EXPECT_EQ(result.reach, Reach::unresolved);
    EXPECT_FALSE(result.detail.empty());
}

}  // namespace
}  // namespace slumber::util
