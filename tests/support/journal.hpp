// A test's journal, opened (made when missing) as a writer opens it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "store/journal.hpp"

namespace slumber::testing {

/// The journal `file`; null, and the test marked failed, when it cannot be
/// opened.
inline std::unique_ptr<store::Journal> open_journal(const std::filesystem::path& file) {
    auto opened = store::Journal::open(file);
    EXPECT_TRUE(opened) << opened.error();
    return opened ? std::make_unique<store::Journal>(std::move(*opened)) : nullptr;
}

}  // namespace slumber::testing
