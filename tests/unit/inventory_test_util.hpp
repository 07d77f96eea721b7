#pragma once
// Helpers shared by the inventory_*_test.cpp files.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "ncbctl/inventory.hpp"

namespace ncbctl::test {

inline std::filesystem::path source_dir() {
    return NCBCTL_SOURCE_DIR;
}

inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::string joined(const std::vector<Diagnostic>& diags) {
    std::string out;
    for (const auto& d : diags) out += d.to_string() + "\n";
    return out;
}

// Sets (or unsets, with nullopt) an environment variable for the lifetime of the guard.
class EnvGuard {
public:
    EnvGuard(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
        if (const char* old = std::getenv(name_.c_str())) old_ = old;
        if (value)
            ::setenv(name_.c_str(), value->c_str(), 1);
        else
            ::unsetenv(name_.c_str());
    }
    ~EnvGuard() {
        if (old_)
            ::setenv(name_.c_str(), old_->c_str(), 1);
        else
            ::unsetenv(name_.c_str());
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;

private:
    std::string name_;
    std::optional<std::string> old_;
};

}  // namespace ncbctl::test
