#pragma once
// Service presets of an SSH node: which remote argv starts, stops, queries, upgrades the NocoBase service,
// and how a status answer reads. Pure functions (no I/O), so every preset's exact commands are unit-tested
// and documented in docs/drivers.md.
//
// Command templates (custom preset, and per-action overrides of any preset) are argv vectors (the inventory
// loader splits a YAML string into words); {{version}} and {{node}} are replaced inside each word, so a
// value can never add a word or shell syntax: the argv is quoted once at the ssh boundary.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/node_driver.hpp"

namespace ncbctl::ssh {

enum class Preset { Systemd, DockerCompose, Pm2, Supervisord, Custom };
Result<Preset> parse_preset(std::string_view name);

enum class Action { Start, Stop, Status, Prepare, Upgrade, Version };
// True when the preset's own stop command returns only once the service stopped (supervisorctl stop,
// systemctl stop, pm2 stop, docker-compose stop all wait): no status poll is needed after it. False for a
// `service.stop` command of the inventory's, whose behaviour ncbctl does not know.
bool stop_waits(Preset p, const ServiceSpec& s);
std::string_view to_string(Action a) noexcept;

Argv substitute(const Argv& words, std::string_view node, std::string_view version);

// Checks the fields the preset needs (unit, project_dir + compose_service + image_var, process, or the
// custom start/stop/status commands) and the env names. Inventory error naming the missing key.
Status validate_service(const ServiceSpec& spec);

// The remote argv for `action` (env prefix applied), or nullopt when the preset has no such command
// (upgrade/version of docker-compose are .env edits done by the driver; systemd/pm2/supervisord upgrade
// needs an explicit `upgrade` command).
Result<std::optional<Argv>> service_argv(const ServiceSpec& spec, Action action, std::string_view node,
                                         std::string_view version);

// The remote argv printing the service's last `lines` log lines: the `logs` override ({{node}} substituted),
// else systemd `journalctl -u UNIT -n N`, docker-compose `docker compose logs --tail N SERVICE`, pm2
// `tail -q -n N -- OUT ERR` on the process's log files (`pm2_files`, from pm2_log_files: `pm2 logs
// --nostream` prints the files from a child after it exits, so over SSH its answer comes back empty),
// supervisord `supervisorctl tail -BYTES PROCESS` (stdout log, kSupervisorTailBytesPerLine bytes a line).
// Unsupported for custom without `logs`. The caller keeps the last lines.
Result<Argv> logs_argv(const ServiceSpec& spec, std::string_view node, int lines,
                       const std::vector<std::string>& pm2_files = {});
// The out and error log files of pm2 process `name` from a `pm2 jlist` answer (pm_out_log_path,
// pm_err_log_path). NotFound without the process, Unsupported when it logs to no file.
Result<std::vector<std::string>> pm2_log_files(std::string_view jlist, const std::string& name);
constexpr int kSupervisorTailBytesPerLine = 1000;  // NocoBase logs JSON lines of 500-700 bytes

struct ServiceStatus {
    ServiceState state = ServiceState::Unknown;
    std::string detail;
};
// Reads the answer of the Status argv. Error (Remote) when the status command itself could not work
// (not installed, daemon down), so "stopped" is never reported for a tool that failed.
Result<ServiceStatus> interpret_status(const ServiceSpec& spec, const ExecResult& r);

// docker-compose: the `.env` file, the tag variable in it, and tag syntax (a tag is written into .env, so
// only [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} is accepted).
std::string compose_env_file(const ServiceSpec& spec);
bool valid_image_tag(std::string_view tag);
std::optional<std::string> env_file_get(std::string_view text, std::string_view var);
std::string env_file_set(std::string_view text, std::string_view var, std::string_view value);

// The deployed NocoBase version from APP_DIR/node_modules/@nocobase/server/package.json ("" when unknown).
std::string nocobase_package_json(const ServiceSpec& spec);
std::string version_from_package_json(std::string_view json_text);

}  // namespace ncbctl::ssh
