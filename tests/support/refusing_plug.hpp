// A BMC whose password an admin changed: an emulated smart plug
// (vcluster::Plug) on loopback with a new password, and a credentials file
// that still holds the old one, so that every login with it is refused
// (power::ErrorKind::auth_failed), the failure that blocks a target.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string_view>

#include "vcluster/plug.hpp"

namespace slumber::testing {

inline constexpr std::string_view kPlugPassword = "changed-on-the-plug";
inline constexpr std::string_view kOldPassword = "the-old-one";

/// A credentials file (0600) for the user admin with `password`.
inline void write_credentials(const std::filesystem::path& file, std::string_view password) {
    std::ofstream(file) << fmt::format("username = \"admin\"\npassword = \"{}\"\n", password);
    ::chmod(file.c_str(), 0600);
}

/// The plug, started, its password kPlugPassword, and `credentials` written
/// with kOldPassword.
inline std::unique_ptr<vcluster::Plug> refusing_plug(const std::filesystem::path& credentials) {
    vcluster::PlugSettings settings;
    settings.password = std::string(kPlugPassword);
    auto plug = std::make_unique<vcluster::Plug>(settings);
    EXPECT_TRUE(plug->start());
    write_credentials(credentials, kOldPassword);
    return plug;
}

}  // namespace slumber::testing
