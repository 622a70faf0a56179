#include "vcluster/accounts.hpp"

#include <grp.h>
#include <pwd.h>

#include <optional>

#include <fmt/format.h>

#include "util/command.hpp"

namespace slumber::vcluster {
namespace {

std::optional<Account> find_account(const std::string& name) {
    const passwd* entry = ::getpwnam(name.c_str());
    if (entry == nullptr) return std::nullopt;
    Account account{name, entry->pw_uid, entry->pw_gid, {}};
    int count = 16;
    account.groups.resize(static_cast<std::size_t>(count));
    while (::getgrouplist(name.c_str(), account.gid, account.groups.data(), &count) < 0) {
        account.groups.resize(static_cast<std::size_t>(count));
    }
    account.groups.resize(static_cast<std::size_t>(count));
    return account;
}

}  // namespace

std::expected<Account, std::string> system_account(const std::string& name) {
    if (auto found = find_account(name)) return *found;
    const auto made = util::run_command({"useradd", "--system", "--user-group", "--no-create-home", "--home-dir",
                                         "/nonexistent", "--shell", "/usr/sbin/nologin", name});
    if (made.exit_code != 0) {
        return std::unexpected(fmt::format("there is no user {} and useradd could not create one: {}", name,
                                           made.err.empty() ? made.out : made.err));
    }
    if (auto found = find_account(name)) return *found;
    return std::unexpected(fmt::format("useradd created {}, but it cannot be looked up", name));
}

}  // namespace slumber::vcluster
