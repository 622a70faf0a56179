// FreeIPMI's workaround flags by their ipmipower -W names (ipmipower(8),
// FreeIPMI 1.6): the one list that configuration checking (the catalog's
// choices for `workarounds`) and session opening (the driver's flags) read.
// It brings FreeIPMI's header: only files in power/ include it.
#pragma once

#include <freeipmi/freeipmi.h>

#include <array>
#include <cstddef>
#include <string_view>

namespace slumber::power::ipmi {

struct Workaround {
    std::string_view name;  ///< as ipmipower -W and `workarounds = [...]` spell it
    /// The IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_* flag (freeipmi/api/ipmi-api.h)
    /// it sets on an RMCP+ session; 0 for the IPMI 1.5-only flags, which are
    /// accepted, as ipmipower accepts them, and change nothing on the RMCP+
    /// sessions slumber opens.
    unsigned session_flag;
};

/// Every workaround name, in the order `config check` suggests them.
inline constexpr std::array kWorkarounds{
    Workaround{"authcap", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_AUTHENTICATION_CAPABILITIES},
    Workaround{"nochecksumcheck", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NO_CHECKSUM_CHECK},
    Workaround{"idzero", 0},
    Workaround{"unexpectedauth", 0},
    Workaround{"forcepermsg", 0},
    Workaround{"endianseq", 0},
    Workaround{"noauthcodecheck", 0},
    Workaround{"intel20", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_INTEL_2_0_SESSION},
    Workaround{"supermicro20", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUPERMICRO_2_0_SESSION},
    Workaround{"sun20", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUN_2_0_SESSION},
    Workaround{"opensesspriv", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE},
    Workaround{"integritycheckvalue", IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NON_EMPTY_INTEGRITY_CHECK_VALUE},
    // Not in ipmipower(8) of FreeIPMI 1.6.10; accepted since slumber's first
    // release, so that configurations using it still load.
    Workaround{"nonstandard", 0},
};

/// The names alone, for the catalog's list of allowed values.
inline constexpr auto kWorkaroundNames = [] {
    std::array<std::string_view, kWorkarounds.size()> names{};
    for (std::size_t i = 0; i < kWorkarounds.size(); ++i) names[i] = kWorkarounds[i].name;
    return names;
}();

/// The session flag for `name`; 0 for an IPMI 1.5-only or unknown name
/// (configuration checking has refused unknown names already).
constexpr unsigned workaround_flag(std::string_view name) {
    for (const Workaround& workaround : kWorkarounds) {
        if (workaround.name == name) return workaround.session_flag;
    }
    return 0;
}

}  // namespace slumber::power::ipmi
