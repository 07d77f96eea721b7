#pragma once
// The port for talking to one NocoBase node (or the LB URL) over its HTTP API (src/nocobase/).
// Readiness classifies /api/__health_check + /api/app:getInfo; in-app operations wrap pm:* and backups:*.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"

namespace ncbctl {

enum class AppPhase {
    Down,     // refused / reset / timeout / 502 / 504: not listening yet, or gone
    Booting,  // 404 APP_NOT_FOUND, 503 APP_PREPARING / APP_INITIALIZING / APP_INITIALIZED / APP_STARTING
    Busy,     // 503 APP_COMMANDING (command + message carry the progress)
    Stopped,  // 503 APP_STOPPED
    Failed,   // APP_ERROR, APP_NOT_INSTALLED_ERROR, any other code, 500: terminal
    Ready,    // health 200 ok AND getInfo 200
    Unknown,  // anything else (HTML from a proxy...): raw is kept, truncated
};
std::string_view to_string(AppPhase p) noexcept;

struct AppStatus {
    AppPhase phase = AppPhase::Unknown;
    int http_status = 0;
    std::string code;     // APP_* code when present
    std::string command;  // command.name when present (start, upgrade, pm.enable...)
    std::string message;  // app's message / progress text / raw body (truncated)
    std::string version;  // getInfo.data.version when Ready
};

struct PluginInfo {
    std::string name;
    std::string package_name;
    std::string version;
    bool enabled = false;
    bool installed = false;
    bool built_in = false;
};

struct BackupInfo {
    std::string name;
    std::string created_at;
    std::string size;  // as the app reports it
    bool in_progress = false;
};

// Where pm:update takes a plugin's new version from: a registry (its latest, or `version`) or a local
// package tarball (uploaded).
struct PluginSource {
    std::string registry;
    std::string version;
    std::string file;
};

using ProgressFn = std::function<void(const AppStatus&)>;

class AppClient {
public:
    virtual ~AppClient() = default;
    AppClient() = default;
    AppClient(const AppClient&) = delete;
    AppClient& operator=(const AppClient&) = delete;

    virtual AppStatus check(const Deadline&) = 0;  // one classification, never throws
    // Polls until `consecutive` Ready answers (at `version` when given); returns early on Failed.
    virtual Result<AppStatus> wait_ready(const std::optional<std::string>& version, const Deadline&,
                                         const ProgressFn& progress = {}) = 0;

    virtual Result<std::vector<PluginInfo>> plugins(const Deadline&) = 0;
    // Only the enabled plugins, by the cheapest request that says which: verify asks this inside the 503
    // window. By default the enabled part of plugins().
    virtual Result<std::vector<PluginInfo>> enabled_plugins(const Deadline& d) {
        auto all = plugins(d);
        if (!all) return all;
        std::erase_if(*all, [](const PluginInfo& p) { return !p.enabled; });
        return all;
    }
    virtual Status plugin_add(const std::string& package, const std::string& registry, const std::string& version,
                              const Deadline&) = 0;
    virtual Status plugin_enable(const std::string& name, const Deadline&) = 0;
    virtual Status plugin_disable(const std::string& name, const Deadline&) = 0;
    virtual Status plugin_remove(const std::string& name, const Deadline&) = 0;
    // pm:update: the node writes the new package into its plugin storage (shared by the cluster) and
    // returns when its command ended. The running process keeps the old code until it restarts.
    virtual Status plugin_update(const std::string& name, const std::string& package, const PluginSource& source,
                                 const Deadline&) = 0;

    virtual Result<std::string> backup_create(const Deadline&) = 0;  // waits for the task; returns name
    virtual Result<std::vector<BackupInfo>> backup_list(const Deadline&) = 0;
    // Streams to `path` (constant memory) and returns the hex SHA-256 of what was written.
    virtual Result<std::string> backup_download(const std::string& name, const std::string& path, const Deadline&) = 0;
    virtual Status backup_restore(const std::string& name, const Deadline&) = 0;
    // Uploads a local .nbdata file and restores it (the node restarts); streams the file.
    virtual Status backup_restore_upload(const std::string& path, const Deadline&) = 0;
    virtual Status backup_delete(const std::string& name, const Deadline&) = 0;
};

}  // namespace ncbctl
