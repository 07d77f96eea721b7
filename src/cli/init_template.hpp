#pragma once
// The starter inventory `ncbctl init` writes: every required key for the chosen node driver, service preset and
// load balancer, each commented, secrets only as *_env / *_file references. Values the operator must replace
// contain kPlaceholder, which `ncbctl validate` reports line by line (find_placeholders) until none is left.
#include <string>
#include <string_view>
#include <vector>

#include "ncbctl/error.hpp"

namespace ncbctl::cli {

inline constexpr std::string_view kPlaceholder = "CHANGE-ME";

struct InitOptions {
    std::string cluster = "nocobase";
    std::string driver = "docker";  // docker | ssh
    std::string preset;             // ssh only: systemd | docker-compose | pm2 | supervisord | custom
    std::string lb = "haproxy";     // haproxy | nginx | command | none
};

inline const std::vector<std::string> kInitDrivers{"docker", "ssh"};
inline const std::vector<std::string> kInitPresets{"systemd", "docker-compose", "pm2", "supervisord", "custom"};
inline const std::vector<std::string> kInitLbs{"haproxy", "nginx", "command", "none"};

// Usage error (ErrorCode::Usage) for a value outside the lists above or a preset with --driver docker.
Result<std::string> starter_inventory(const InitOptions& o);

// A placeholder still in an inventory: its 1-based line and the YAML key (or list item) it belongs to.
struct Placeholder {
    int line = 0;
    std::string key;
};
// Scans the text line by line; comments (from an unquoted '#') are ignored.
std::vector<Placeholder> find_placeholders(std::string_view yaml_text);

}  // namespace ncbctl::cli
