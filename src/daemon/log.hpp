// The daemon's log: stderr, which systemd gives to the journal. Under systemd
// each line starts with "<N>", its syslog priority (sd-daemon(3); the unit
// sets SyslogLevelPrefix=yes), so that `journalctl -u slumberd -p warning`
// shows what needs a look; elsewhere lines start with "slumberd: ".
#pragma once

#include <string>

namespace slumber::daemon {

/// syslog's priorities, as the journal reads them.
enum class Priority { error = 3, warning = 4, notice = 5, info = 6 };

void log(Priority priority, const std::string& line);

}  // namespace slumber::daemon
