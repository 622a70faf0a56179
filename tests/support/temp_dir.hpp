// A fresh directory under the system's temporary directory, made with
// mkdtemp(3) (unique even when suites run at once) and removed with
// everything in it when the test ends.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace slumber::testing {

class TempDir {
  public:
    /// `prefix` names the test in the directory's name ("slumber-view" makes
    /// /tmp/slumber-view-XXXXXX).
    explicit TempDir(std::string_view prefix) {
        std::string pattern = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
        EXPECT_NE(::mkdtemp(pattern.data()), nullptr) << pattern;
        m_path = pattern;
    }
    ~TempDir() {
        std::error_code error;  // a detached child may still be writing in it
        std::filesystem::remove_all(m_path, error);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    TempDir(TempDir&&) = delete;
    TempDir& operator=(TempDir&&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
    [[nodiscard]] std::filesystem::path operator/(std::string_view name) const { return m_path / name; }

  private:
    std::filesystem::path m_path;
};

}  // namespace slumber::testing
