#include "util/secret.hpp"

#include <cstring>

namespace slumber::util {

// Wipe the bytes so that a core dump or a reused allocation does not show them.
Secret::~Secret() {
    volatile char* bytes = m_value.data();
    for (std::size_t i = 0; i < m_value.size(); ++i) bytes[i] = '\0';
}

}  // namespace slumber::util
