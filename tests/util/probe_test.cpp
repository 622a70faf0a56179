#include "util/probe.hpp"

#include "../support/listeners.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace slumber::util {
namespace {

using slumber::testing::Listener;

using std::chrono::milliseconds;

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
    Listener full(0);
    full.fill_queue();
    EXPECT_EQ(probe_tcp("127.0.0.1", full.port, milliseconds{200}).reach, Reach::silent);
}

TEST(ProbeTcp, ANameThatDoesNotResolve) {
    // .invalid is reserved never to resolve (RFC 2606).
    const ProbeResult result = probe_tcp("no-such-node.invalid", 6818, milliseconds{1000});
    EXPECT_EQ(result.reach, Reach::unresolved);
    EXPECT_FALSE(result.detail.empty());
}

}  // namespace
}  // namespace slumber::util
