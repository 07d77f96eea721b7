#include "drivers/ssh/presets.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

#include "net/process.hpp"
#include "util/shell_text.hpp"

namespace ncbctl::ssh {
namespace {

Argv words(std::initializer_list<std::string> w) {
    return Argv(w);
}

void append(Argv& a, const Argv& b) {
    a.insert(a.end(), b.begin(), b.end());
}

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
    return std::string(s);
}

bool valid_env_name(std::string_view n) {
    if (n.empty() || std::isdigit(static_cast<unsigned char>(n.front())) != 0) return false;
    return std::ranges::all_of(n, [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; });
}

const Argv& override_for(const ServiceSpec& s, Action a) {
    static const Argv none;
    switch (a) {
        case Action::Start:
            return s.start;
        case Action::Stop:
            return s.stop;
        case Action::Status:
            return s.status;
        case Action::Upgrade:
            return s.upgrade;
        case Action::Version:
            return s.version;
        case Action::Prepare:
            break;
    }
    return none;
}

// The `pm2_env` object of process `name` in a `pm2 jlist` answer (an empty object when the entry has none);
// nullopt when pm2 has no such process.
Result<std::optional<nlohmann::json>> pm2_env_of(std::string_view jlist, const std::string& name) {
    const auto start = jlist.find('[');  // pm2 may print notices before the JSON
    auto j = nlohmann::json::parse(start == std::string_view::npos ? std::string_view() : jlist.substr(start), nullptr,
                                   false);
    if (j.is_discarded() || !j.is_array()) return fail(ErrorCode::Protocol, "pm2 jlist answered no JSON list");
    for (const auto& proc : j) {
        if (!proc.is_object() || proc.value("name", std::string()) != name) continue;
        if (proc.contains("pm2_env") && proc["pm2_env"].is_object()) return std::optional(proc["pm2_env"]);
        return std::optional(nlohmann::json::object());
    }
    return std::optional<nlohmann::json>();
}

// The service's env applied as a remote `env K=V ... ARGV` prefix.
Argv with_env(const ServiceSpec& s, Argv argv) {
    if (s.env.empty()) return argv;
    Argv out{"env"};
    for (const auto& [k, v] : s.env) out.push_back(k + "=" + v);
    append(out, argv);
    return out;
}

// `cd DIR && exec ARGV...` with DIR as a positional parameter: the directory never enters script text.
Argv in_dir(const std::string& dir, const Argv& argv) {
    Argv a{"sh", "-c", "cd -- \"$1\" && shift && exec \"$@\"", "sh", dir};
    append(a, argv);
    return a;
}

// `<compose_command> ARGS...` in the project directory, as `docker compose` (v2) and docker-compose 1.29
// both take them.
Argv compose(const ServiceSpec& s, std::initializer_list<std::string> args) {
    Argv a = s.compose_command;
    a.insert(a.end(), args);
    return in_dir(s.project_dir, a);
}

// The project's services, a marker line, then the running ones (one name a line each): a service that is
// not in the compose file reads as missing, not as stopped. v1's `ps -q` also lists stopped containers and
// has no --status; `config --services` and `ps --services --filter status=running` mean the same in v1 and v2.
constexpr std::string_view kComposeRunning = "--- running";
Argv compose_status(const ServiceSpec& s) {
    Argv a{"sh", "-c",
           "cd -- \"$1\" && shift && \"$@\" config --services && echo '" + std::string(kComposeRunning) +
               "' && exec \"$@\" ps --services --filter status=running",
           "sh", s.project_dir};
    append(a, s.compose_command);
    return a;
}

Argv supervisorctl(const ServiceSpec& s, const std::string& verb) {
    Argv a{"supervisorctl"};
    if (!s.supervisor_config.empty()) append(a, {"-c", s.supervisor_config});
    append(a, {verb, s.process});
    return a;
}

std::optional<Argv> preset_argv(Preset p, const ServiceSpec& s, Action a, std::string_view version) {
    switch (p) {
        case Preset::Systemd:
            if (a == Action::Start) return words({"systemctl", "start", s.unit});
            if (a == Action::Stop) return words({"systemctl", "stop", s.unit});
            if (a == Action::Status) return words({"systemctl", "is-active", s.unit});
            return std::nullopt;
        case Preset::DockerCompose:
            if (a == Action::Start) return compose(s, {"up", "-d", s.compose_service});
            if (a == Action::Stop) return compose(s, {"stop", s.compose_service});
            if (a == Action::Status) return compose_status(s);
            if (a == Action::Prepare) {  // the shell environment beats .env in compose: pulls the target tag only
                Argv pull{"env", s.image_var + "=" + std::string(version)};
                append(pull, s.compose_command);
                append(pull, {"pull", s.compose_service});
                return in_dir(s.project_dir, pull);
            }
            return std::nullopt;
        case Preset::Pm2:
            if (a == Action::Start) return words({"pm2", "start", s.process});
            if (a == Action::Stop) return words({"pm2", "stop", s.process});
            if (a == Action::Status) return words({"pm2", "jlist"});
            return std::nullopt;
        case Preset::Supervisord:
            if (a == Action::Start) return supervisorctl(s, "start");
            if (a == Action::Stop) return supervisorctl(s, "stop");
            if (a == Action::Status) return supervisorctl(s, "status");
            return std::nullopt;
        case Preset::Custom:
            return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

bool stop_waits(Preset p, const ServiceSpec& s) {
    return p != Preset::Custom && s.stop.empty();
}

Result<std::vector<std::string>> pm2_log_files(std::string_view jlist, const std::string& name) {
    auto env = pm2_env_of(jlist, name);
    if (!env) return fail(env.error());
    if (!*env) return fail(ErrorCode::NotFound, "pm2 has no process " + name);
    std::vector<std::string> files;
    for (const char* key : {"pm_out_log_path", "pm_err_log_path"}) {
        auto it = (*env)->find(key);
        if (it != (*env)->end() && it->is_string() && !it->get<std::string>().empty() &&
            it->get<std::string>() != "/dev/null")
            files.push_back(it->get<std::string>());
    }
    if (files.empty()) return fail(ErrorCode::Unsupported, "pm2 process " + name + " writes no log file");
    return files;
}

Result<Argv> logs_argv(const ServiceSpec& s, std::string_view node, int lines,
                       const std::vector<std::string>& pm2_files) {
    auto p = parse_preset(s.preset);
    if (!p) return fail(p.error());
    const std::string n = std::to_string(lines);
    Argv argv;
    if (!s.logs.empty()) {
        argv = substitute(s.logs, node, "");
    } else {
        switch (*p) {
            case Preset::Systemd:
                argv = {"journalctl", "-u", s.unit, "-n", n, "--no-pager", "-o", "short-iso"};
                break;
            case Preset::DockerCompose:
                argv = compose(s, {"logs", "--no-color", "--tail", n, s.compose_service});
                break;
            case Preset::Pm2:
                if (pm2_files.empty()) return fail(ErrorCode::Internal, "pm2 logs: the log files are not known");
                argv = {"tail", "-q", "-n", n, "--"};
                append(argv, pm2_files);
                break;
            case Preset::Supervisord:
                argv = supervisorctl(s, "tail");
                argv.insert(argv.end() - 1, "-" + std::to_string(lines * kSupervisorTailBytesPerLine));
                break;
            case Preset::Custom:
                return fail(ErrorCode::Unsupported,
                            "the custom service has no `logs` command; add service.logs to the inventory");
        }
    }
    return with_env(s, std::move(argv));
}

Result<Preset> parse_preset(std::string_view name) {
    if (name == "systemd") return Preset::Systemd;
    if (name == "docker-compose") return Preset::DockerCompose;
    if (name == "pm2") return Preset::Pm2;
    if (name == "supervisord") return Preset::Supervisord;
    if (name == "custom") return Preset::Custom;
    return fail(ErrorCode::Inventory, "service preset '" + std::string(name) +
                                          "' is unknown: use systemd, docker-compose, pm2, supervisord or custom");
}

std::string_view to_string(Action a) noexcept {
    switch (a) {
        case Action::Start:
            return "start";
        case Action::Stop:
            return "stop";
        case Action::Status:
            return "status";
        case Action::Prepare:
            return "prepare";
        case Action::Upgrade:
            return "upgrade";
        case Action::Version:
            return "version";
    }
    return "status";
}

Argv substitute(const Argv& in, std::string_view node, std::string_view version) {
    Argv out;
    out.reserve(in.size());
    for (const auto& w : in) {
        std::string s;
        for (std::size_t i = 0; i < w.size();) {
            if (w.compare(i, 11, "{{version}}") == 0) {
                s += version;
                i += 11;
            } else if (w.compare(i, 8, "{{node}}") == 0) {
                s += node;
                i += 8;
            } else {
                s += w[i++];
            }
        }
        out.push_back(std::move(s));
    }
    return out;
}

Status validate_service(const ServiceSpec& s) {
    auto p = parse_preset(s.preset);
    if (!p) return fail(p.error());
    auto need = [](const std::string& v, std::string_view key) -> Status {
        if (v.empty()) return fail(ErrorCode::Inventory, "service preset needs '" + std::string(key) + "'");
        return {};
    };
    Status st;
    switch (*p) {
        case Preset::Systemd:
            st = need(s.unit, "unit");
            break;
        case Preset::DockerCompose:
            if (st = need(s.project_dir, "project_dir"); st) st = need(s.compose_service, "compose_service");
            if (st) st = need(s.image_var, "image_var");
            if (st && !valid_env_name(s.image_var))
                st = fail(ErrorCode::Inventory, "image_var '" + s.image_var + "' is not a variable name");
            break;
        case Preset::Pm2:
        case Preset::Supervisord:
            st = need(s.process, "process");
            break;
        case Preset::Custom:
            for (const auto& [argv, key] : {std::pair{&s.start, "start"}, {&s.stop, "stop"}, {&s.status, "status"}})
                if (st && argv->empty())
                    st = fail(ErrorCode::Inventory, std::string("service preset custom needs '") + key + "'");
            break;
    }
    if (!st) return st;
    for (const auto& [k, v] : s.env) {
        if (!valid_env_name(k)) return fail(ErrorCode::Inventory, "service env name '" + k + "' is not valid");
    }
    return {};
}

Result<std::optional<Argv>> service_argv(const ServiceSpec& s, Action a, std::string_view node,
                                         std::string_view version) {
    auto p = parse_preset(s.preset);
    if (!p) return fail(p.error());
    std::optional<Argv> argv;
    if (const auto& o = override_for(s, a); !o.empty()) {
        argv = substitute(o, node, version);
    } else {
        argv = preset_argv(*p, s, a, version);
    }
    if (!argv) return argv;
    return std::optional<Argv>(with_env(s, std::move(*argv)));
}

Result<ServiceStatus> interpret_status(const ServiceSpec& s, const ExecResult& r) {
    auto p = parse_preset(s.preset);
    if (!p) return fail(p.error());
    const std::string out = trim(r.out);
    const std::string why = net::last_lines(r.err.empty() ? r.out : r.err);
    if (r.exit_code == 126 || r.exit_code == 127)
        return fail(ErrorCode::Remote, "status command not found or not executable: " + why);
    if (!s.status.empty() || *p == Preset::Custom) {  // LSB init-script convention
        if (r.exit_code == 0) return ServiceStatus{ServiceState::Running, out};
        if (r.exit_code >= 1 && r.exit_code <= 3) return ServiceStatus{ServiceState::Stopped, out};
        return ServiceStatus{ServiceState::Unknown, "status exit " + std::to_string(r.exit_code) + ": " + why};
    }
    switch (*p) {
        case Preset::Systemd: {
            if (out == "active" || out == "reloading") return ServiceStatus{ServiceState::Running, out};
            if (out == "inactive" || out == "failed" || out == "deactivating")
                return ServiceStatus{ServiceState::Stopped, out};
            if (out.empty()) return fail(ErrorCode::Remote, "systemctl is-active failed: " + why);
            return ServiceStatus{ServiceState::Unknown, out};
        }
        case Preset::DockerCompose: {
            if (r.exit_code != 0)
                return fail(ErrorCode::Remote, util::shell_join(s.compose_command) + " ps failed: " + why);
            std::istringstream lines(r.out);
            bool defined = false, running = false, after_marker = false;
            for (std::string l; std::getline(lines, l);) {
                l = trim(l);
                if (l == kComposeRunning)
                    after_marker = true;
                else if (l == s.compose_service)
                    (after_marker ? running : defined) = true;
            }
            if (!after_marker) return fail(ErrorCode::Remote, "compose status printed no service list: " + why);
            if (!defined)
                return ServiceStatus{ServiceState::Missing,
                                     "the compose file in " + s.project_dir + " has no service " + s.compose_service};
            if (running) return ServiceStatus{ServiceState::Running, s.compose_service};
            return ServiceStatus{ServiceState::Stopped, "service " + s.compose_service + " not running"};
        }
        case Preset::Pm2: {
            if (r.exit_code != 0) return fail(ErrorCode::Remote, "pm2 jlist failed: " + why);
            auto env = pm2_env_of(r.out, s.process);
            if (!env) return fail(env.error());
            if (!*env) return ServiceStatus{ServiceState::Missing, "pm2 has no process " + s.process};
            const std::string st = (*env)->value("status", std::string());
            if (st == "online") return ServiceStatus{ServiceState::Running, st};
            if (st == "launching" || st == "stopping") return ServiceStatus{ServiceState::Unknown, st};
            return ServiceStatus{ServiceState::Stopped, st};
        }
        case Preset::Supervisord: {
            if (out.find("no such process") != std::string::npos)
                return ServiceStatus{ServiceState::Missing, "supervisord has no program " + s.process};
            for (std::string_view st : {"RUNNING"})
                if (out.find(st) != std::string::npos) return ServiceStatus{ServiceState::Running, out};
            for (std::string_view st : {"STOPPED", "EXITED", "FATAL"})
                if (out.find(st) != std::string::npos) return ServiceStatus{ServiceState::Stopped, out};
            for (std::string_view st : {"STARTING", "BACKOFF", "STOPPING"})
                if (out.find(st) != std::string::npos) return ServiceStatus{ServiceState::Unknown, out};
            return fail(ErrorCode::Remote, "supervisorctl status failed: " + why);
        }
        case Preset::Custom:
            break;
    }
    return ServiceStatus{ServiceState::Unknown, out};
}

std::string compose_env_file(const ServiceSpec& s) {
    std::string d = s.project_dir;
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    return d + "/.env";
}

bool valid_image_tag(std::string_view tag) {
    if (tag.empty() || tag.size() > 128) return false;
    auto ok = [](unsigned char c) { return std::isalnum(c) != 0 || c == '_' || c == '.' || c == '-'; };
    return (std::isalnum(static_cast<unsigned char>(tag.front())) != 0 || tag.front() == '_') &&
           std::ranges::all_of(tag, ok);
}

std::optional<std::string> env_file_get(std::string_view text, std::string_view var) {
    std::optional<std::string> found;  // the last assignment wins, as in compose
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
        std::string t = trim(line);
        if (t.starts_with("export ")) t = trim(std::string_view(t).substr(7));
        if (t.size() > var.size() && t.compare(0, var.size(), var) == 0 && t[var.size()] == '=') {
            std::string v = trim(std::string_view(t).substr(var.size() + 1));
            if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
                v = v.substr(1, v.size() - 2);
            found = v;
        }
    }
    return found;
}

std::string env_file_set(std::string_view text, std::string_view var, std::string_view value) {
    std::string out;
    bool replaced = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        std::string t = trim(line);
        if (t.starts_with("export ")) t = trim(std::string_view(t).substr(7));
        if (t.size() > var.size() && t.compare(0, var.size(), var) == 0 && t[var.size()] == '=') {
            if (!replaced) out += std::string(var) + "=" + std::string(value) + "\n";
            replaced = true;
            continue;
        }
        out += line;
        out += '\n';
    }
    if (!replaced) out += std::string(var) + "=" + std::string(value) + "\n";
    return out;
}

std::string nocobase_package_json(const ServiceSpec& s) {
    if (s.app_dir.empty()) return {};
    std::string d = s.app_dir;
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    return d + "/node_modules/@nocobase/server/package.json";
}

std::string version_from_package_json(std::string_view json_text) {
    auto j = nlohmann::json::parse(json_text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return {};
    return j.value("version", std::string());
}

}  // namespace ncbctl::ssh
