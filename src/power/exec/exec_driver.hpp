// Site commands per action, for anything slumber has no driver for (a PDU's
// CLI, a vendor tool): `on = "pdu-cli --outlet {name} on"`. A template is split
// into words first and the target's fields substituted into the words after,
// and it runs without a shell, so a name can never become a second command.
// A password from the credentials file reaches the command on its standard
// input, never on its command line or in its environment.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "power/driver.hpp"
#include "power/factory.hpp"

namespace slumber::power::exec {

/// A template split as a shell would split it (spaces; 'single' and "double"
/// quotes; a backslash escapes the next character), without expanding
/// anything. An unclosed quote is an error.
std::expected<std::vector<std::string>, std::string> split_words(std::string_view text);

/// Checks one template as make() would use it, so that `config check` finds
/// a mistake before a node needs the command: an unclosed quote, no words,
/// or a field other than {name} and {user}. The error says which, without
/// the target's name (the caller knows where the template is).
std::expected<void, std::string> check_template(std::string_view text);

/// Checks the templates (on, off, soft, cycle, status) and builds the driver.
Result<std::unique_ptr<Driver>> make(const TargetSettings& settings);

}  // namespace slumber::power::exec
