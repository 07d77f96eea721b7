#include "workflow/cluster_facts.hpp"

#include <nlohmann/json.hpp>

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

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return out;
}

// An ini value without its inline comment (`;` or `#` after a blank, as supervisord's parser strips it).
std::string_view strip_inline_comment(std::string_view v) {
    for (std::size_t i = 1; i < v.size(); ++i)
        if ((v[i] == ';' || v[i] == '#') && (v[i - 1] == ' ' || v[i - 1] == '\t')) return trim(v.substr(0, i));
    return v;
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

std::map<std::string, std::string> parse_supervisor_environment(std::string_view value) {
    // supervisord expands %-escapes first, then splits with a POSIX shlex: commas separate the pairs, quotes
    // group (and may hold commas), a backslash escapes outside single quotes, blanks outside quotes vanish.
    std::string text;
    for (std::size_t i = 0; i < value.size(); ++i) {
        text += value[i];
        if (value[i] == '%' && i + 1 < value.size() && value[i + 1] == '%') ++i;
    }
    std::map<std::string, std::string> out;
    std::string cur;
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            else if (quote == '"' && c == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\'))
                cur += text[++i];
            else
                cur += c;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '\\' && i + 1 < text.size()) {
            cur += text[++i];
        } else if (c == ',') {
            put(out, cur);
            cur.clear();
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            cur += c;
        }
    }
    put(out, cur);
    return out;
}

std::map<std::string, std::string> parse_supervisord_config(std::string_view config, std::string_view program) {
    const std::string wanted = "program:" + std::string(program);
    std::string section, key, global_env, program_env;
    std::string* value = nullptr;  // the value a continuation line extends
    while (!config.empty()) {
        auto nl = config.find('\n');
        std::string_view raw = config.substr(0, nl);
        config = nl == std::string_view::npos ? std::string_view() : config.substr(nl + 1);
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        const auto line = trim(raw);
        if (line.empty() || line.front() == ';' || line.front() == '#') {
            if (line.empty()) value = nullptr;
            continue;
        }
        if (raw.front() == ' ' || raw.front() == '\t') {
            if (value) *value += "\n" + std::string(strip_inline_comment(line));
            continue;
        }
        value = nullptr;
        if (line.front() == '[') {
            auto close = line.find(']');
            section = std::string(trim(line.substr(1, close == std::string_view::npos ? 0 : close - 1)));
            continue;
        }
        const auto sep = line.find_first_of("=:");
        if (sep == std::string_view::npos || lower(trim(line.substr(0, sep))) != "environment") continue;
        std::string* target = section == "supervisord" ? &global_env : section == wanted ? &program_env : nullptr;
        if (!target) continue;
        *target = std::string(strip_inline_comment(trim(line.substr(sep + 1))));
        value = target;
    }
    auto env = parse_supervisor_environment(global_env);
    for (auto& [k, v] : parse_supervisor_environment(program_env)) env[k] = std::move(v);
    return env;
}

std::map<std::string, std::string> parse_pm2_jlist_env(std::string_view jlist, std::string_view process) {
    std::map<std::string, std::string> out;
    const auto start = jlist.find('[');  // pm2 may print notices before the JSON
    if (start == std::string_view::npos) return out;
    auto j = nlohmann::json::parse(jlist.substr(start), nullptr, false);
    if (j.is_discarded() || !j.is_array()) return out;
    auto strings = [&out](const nlohmann::json& obj) {
        for (const auto& [k, v] : obj.items())
            if (v.is_string()) out[k] = v.get<std::string>();
    };
    for (const auto& proc : j) {
        if (!proc.is_object() || proc.value("name", std::string()) != process) continue;
        if (!proc.contains("pm2_env") || !proc["pm2_env"].is_object()) continue;
        const auto& pe = proc["pm2_env"];
        if (pe.contains("env") && pe["env"].is_object()) strings(pe["env"]);
        for (auto group : {secret_variables(), cluster_mode_variables()})
            for (auto var : group)
                if (auto it = pe.find(std::string(var)); it != pe.end() && it->is_string()) out[std::string(var)] = *it;
        break;
    }
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

namespace {

// Prints supervisord's configuration: $1 (supervisor_config), else the first of Debian's and the default
// path that is readable, then each file its [include] files= globs name (relative to its directory).
constexpr std::string_view kSupervisordConfigScript =
    "c=$1; if [ -z \"$c\" ]; then for f in /etc/supervisor/supervisord.conf /etc/supervisord.conf; do "
    "[ -r \"$f\" ] && { c=$f; break; }; done; fi; [ -r \"$c\" ] || exit 1; cat -- \"$c\" || exit 1; "
    "d=$(dirname -- \"$c\"); set -f; "
    "for g in $(sed -n '/^\\[include\\]/,/^\\[/s/^files[ \t]*[=:][ \t]*//p' \"$c\"); do "
    "case $g in /*) ;; *) g=$d/$g;; esac; set +f; "
    "for f in $g; do [ -r \"$f\" ] && { echo; cat -- \"$f\"; }; done; set -f; done; exit 0";

// The service's commands run with service.env (PM2_HOME, a supervisorctl's PATH...): so do these reads.
Argv with_service_env(const ServiceSpec& s, Argv argv) {
    if (s.env.empty()) return argv;
    Argv out{"env"};
    for (const auto& [k, v] : s.env) out.push_back(k + "=" + v);
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

}  // namespace

std::vector<EnvSource> env_sources(const Node& n) {
    std::vector<EnvSource> out;
    if (n.driver == DriverKind::Docker) {
        out.push_back({"the container's environment", {"env"}});
        return out;
    }
    const auto& s = n.ssh.service;
    if (!s.app_dir.empty()) out.push_back({s.app_dir + "/.env", {"cat", s.app_dir + "/.env"}});
    if (s.preset == "docker-compose" && !s.project_dir.empty())
        out.push_back({s.project_dir + "/.env", {"cat", s.project_dir + "/.env"}});
    if (s.preset == "systemd" && !s.unit.empty())
        out.push_back({"systemd " + s.unit + " Environment=",
                       {"systemctl", "show", "-p", "Environment", "--value", s.unit},
                       EnvFormat::Systemd});
    if (s.preset == "supervisord" && !s.process.empty())
        out.push_back(
            {"supervisord [program:" + s.process + "] environment=",
             with_service_env(s, {"sh", "-c", std::string(kSupervisordConfigScript), "sh", s.supervisor_config}),
             EnvFormat::Supervisord, s.process});
    if (s.preset == "pm2" && !s.process.empty())
        out.push_back({"pm2 " + s.process + " env", with_service_env(s, {"pm2", "jlist"}), EnvFormat::Pm2, s.process});
    return out;
}

std::map<std::string, std::string> parse_env_source(const EnvSource& src, std::string_view out) {
    switch (src.format) {
        case EnvFormat::Systemd:
            return parse_systemd_environment(out);
        case EnvFormat::Supervisord:
            return parse_supervisord_config(out, src.process);
        case EnvFormat::Pm2:
            return parse_pm2_jlist_env(out, src.process);
        case EnvFormat::Lines:
            break;
    }
    return parse_env_lines(out);
}

std::string node_storage_dir(const Node& n) {
    if (n.driver == DriverKind::Docker) return n.docker.upgrade_marker_dir;
    return n.ssh.service.storage_path();
}

namespace {

std::string percent_decode(std::string_view s) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

std::optional<RedisAddress> parse_node_redis_url(std::string_view url) {
    url = trim(url);
    if (!url.starts_with("redis://")) return std::nullopt;
    std::string_view rest = url.substr(8);
    rest = rest.substr(0, rest.find_first_of("?#"));
    std::string_view path;
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        path = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
    }
    RedisAddress a;
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        const auto cred = rest.substr(0, at);
        const auto colon = cred.find(':');
        a.user = percent_decode(cred.substr(0, colon));
        if (colon != std::string_view::npos) a.password = percent_decode(cred.substr(colon + 1));
        rest = rest.substr(at + 1);
    }
    std::string_view port;
    if (rest.starts_with('[')) {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        a.host = std::string(rest.substr(1, close - 1));
        rest = rest.substr(close + 1);
        if (rest.starts_with(':'))
            port = rest.substr(1);
        else if (!rest.empty())
            return std::nullopt;
    } else {
        const auto colon = rest.rfind(':');
        a.host = std::string(rest.substr(0, colon));
        if (colon != std::string_view::npos) port = rest.substr(colon + 1);
    }
    if (a.host.empty()) a.host = "localhost";  // ioredis's default
    auto number = [](std::string_view s, int lo, int hi, int& out) {
        if (s.empty() || s.size() > 5) return false;
        int v = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return false;
            v = v * 10 + (c - '0');
        }
        if (v < lo || v > hi) return false;
        out = v;
        return true;
    };
    if (!port.empty() && !number(port, 1, 65535, a.port)) return std::nullopt;
    if (!path.empty() && !number(path, 0, 99999, a.db)) return std::nullopt;
    return a;
}

std::vector<std::string_view> redis_url_variables() {
    std::vector<std::string_view> out;
    for (auto v : cluster_mode_variables())
        if (v.ends_with("REDIS_URL")) out.push_back(v);
    return out;
}

bool is_loopback_host(std::string_view host) {
    return host == "localhost" || host.ends_with(".localhost") || host.starts_with("127.") || host == "::1" ||
           host == "0:0:0:0:0:0:0:1";
}

bool node_on_this_machine(const Node& n) {
    return n.driver == DriverKind::Ssh && n.ssh.target.jump_host.empty() && is_loopback_host(n.ssh.target.host);
}

}  // namespace ncbctl::workflow
