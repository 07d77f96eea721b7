#include "workflow/cluster_facts.hpp"

#include "util/sha256.hpp"
#include "workflow/cluster_rules.hpp"

namespace ncbctl::workflow {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::string unquote(std::string_view v) {
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
        v = v.substr(1, v.size() - 2);
    return std::string(v);
}

void put(std::map<std::string, std::string>& out, std::string_view assignment) {
    auto eq = assignment.find('=');
    if (eq == std::string_view::npos || eq == 0) return;
    out[std::string(trim(assignment.substr(0, eq)))] = unquote(trim(assignment.substr(eq + 1)));
}

}  // namespace

std::map<std::string, std::string> parse_env_lines(std::string_view text) {
    std::map<std::string, std::string> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        if (line.starts_with("export ")) line = trim(line.substr(7));
        put(out, line);
    }
    return out;
}

std::map<std::string, std::string> parse_systemd_environment(std::string_view text) {
    std::map<std::string, std::string> out;
    std::string cur;
    char quote = 0;
    auto flush = [&] {
        if (!cur.empty()) put(out, cur);
        cur.clear();
    };
    for (char c : text) {
        if (quote) {
            if (c == quote)
                quote = 0;
            else
                cur += c;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == ' ' || c == '\n' || c == '\t') {
            flush();
        } else {
            cur += c;
        }
    }
    flush();
    return out;
}

void digest_environment(const std::map<std::string, std::string>& env, std::map<std::string, std::string>& digests,
                        std::map<std::string, std::string>& plain) {
    auto digest = [&](std::string_view var) {
        auto it = env.find(std::string(var));
        if (it != env.end() && !it->second.empty()) digests[it->first] = util::sha256_hex(it->second);
    };
    for (auto v : secret_variables()) digest(v);
    for (auto v : cluster_mode_variables()) digest(v);
    for (std::string_view v : {"DB_HOST", "DB_PORT", "DB_DATABASE"}) {
        auto it = env.find(std::string(v));
        if (it != env.end() && !it->second.empty()) plain[it->first] = it->second;
    }
}

std::vector<EnvSource> env_sources(const Node& n) {
    std::vector<EnvSource> out;
    if (n.driver == DriverKind::Docker) {
        out.push_back({"the container's environment", {"env"}, false});
        return out;
    }
    const auto& s = n.ssh.service;
    if (!s.app_dir.empty()) out.push_back({s.app_dir + "/.env", {"cat", s.app_dir + "/.env"}, false});
    if (s.preset == "docker-compose" && !s.project_dir.empty())
        out.push_back({s.project_dir + "/.env", {"cat", s.project_dir + "/.env"}, false});
    if (s.preset == "systemd" && !s.unit.empty())
        out.push_back({"systemd " + s.unit + " Environment=",
                       {"systemctl", "show", "-p", "Environment", "--value", s.unit},
                       true});
    return out;
}

std::string node_storage_dir(const Node& n) {
    if (n.driver == DriverKind::Docker) return n.docker.upgrade_marker_dir;
    return n.ssh.service.storage_path();
}

}  // namespace ncbctl::workflow
