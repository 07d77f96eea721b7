#pragma once
// NocoBaseClient: the AppClient of one NocoBase node (or of the load-balanced URL) over its HTTP API.
// One client = one net::HttpClient (keep-alive) = one base URL, so every task-status poll reaches the
// node that started the task (backup/restore task caches are node-local memory).
//
// Failure semantics (all as Error, never exceptions):
//  - transport: Unreachable/Timeout (transient);
//  - 401 EMPTY_TOKEN/INVALID_TOKEN/EXPIRED_SESSION/BLOCKED_TOKEN, 403: ErrorCode::Auth, one line with
//    what to do; the token itself never appears in any message or log;
//  - 503 gateway states: Remote, transient while the app boots or runs a command;
//  - the app's {"errors":[...]} answers: Remote, the app's messages verbatim;
//  - HTML / invalid JSON / cut bodies: Protocol, the raw text truncated;
//  - backups: a download that is cut, fails its size check or is not a zip holding _metadata.json and
//    data is Verification and leaves no file at the destination;
//  - commercial Migration manager absent: Unsupported.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ncbctl/app_client.hpp"
#include "ncbctl/inventory.hpp"
#include "net/http.hpp"

namespace ncbctl::nocobase {

struct ClientOptions {
    std::string node;      // names the target in messages: "node app1", "load balancer"
    std::string base_url;  // e.g. http://10.0.0.11:13000 (the /api/ prefix is added)
    std::string api_prefix = "/api/";
    TlsOptions tls;
    ApiAuth auth;
    Duration connect_timeout{10000};
    Duration request_timeout{60000};  // cap of one ordinary API call; downloads use the caller's deadline
    Duration probe_timeout{5000};     // cap of one readiness request
    Duration poll_interval{250};
    int consecutive_ready = 3;  // restore and plugin reloads flip ok -> 503 -> ok
};

// What a verified backup download holds (from its _metadata.json).
struct BackupFile {
    std::string path;
    std::string sha256;
    std::uint64_t bytes = 0;
    std::string version;  // NocoBase version that wrote it
    std::string dialect;  // postgres | mysql | ...
    std::string db_version;
};

struct MigrationRule {
    std::string id;
    std::string name;
};

class NocoBaseClient final : public AppClient {
public:
    explicit NocoBaseClient(ClientOptions options);
    ~NocoBaseClient() override;

    AppStatus check(const Deadline&) override;
    Result<AppStatus> wait_ready(const std::optional<std::string>& version, const Deadline&,
                                 const ProgressFn& progress = {}) override;

    Result<std::vector<PluginInfo>> plugins(const Deadline&) override;
    Result<std::vector<PluginInfo>> enabled_plugins(const Deadline&) override;
    Status plugin_add(const std::string& package, const std::string& registry, const std::string& version,
                      const Deadline&) override;
    Status plugin_enable(const std::string& name, const Deadline&) override;
    Status plugin_disable(const std::string& name, const Deadline&) override;
    Status plugin_remove(const std::string& name, const Deadline&) override;
    Status plugin_update(const std::string& name, const std::string& package, const PluginSource& source,
                         const Deadline&) override;

    Result<std::string> backup_create(const Deadline&) override;
    Result<std::vector<BackupInfo>> backup_list(const Deadline&) override;
    Result<std::string> backup_download(const std::string& name, const std::string& path, const Deadline&) override;
    Result<BackupFile> backup_download_verified(const std::string& name, const std::string& path, const Deadline&);
    Status backup_restore(const std::string& name, const Deadline&) override;
    Status backup_restore_upload(const std::string& path, const Deadline&) override;
    Status backup_delete(const std::string& name, const Deadline&) override;

    // Migration manager (commercial): each call checks the plugin first (Unsupported when absent).
    Result<bool> migration_available(const Deadline&);
    Result<std::vector<MigrationRule>> migration_rules(const Deadline&);
    Result<std::string> migration_create(const std::string& rule_id, const std::string& title, const Deadline&);
    Result<std::string> migration_download(const std::string& name, const std::string& path, const Deadline&);
    Result<nlohmann::json> migration_check(const std::string& file, const Deadline&);
    Status migration_execute(const std::string& file, const Deadline&);

    // One authenticated resource:action call: returns the "data" member (null when absent).
    Result<nlohmann::json> call(const std::string& method, const std::string& action, const std::string& query,
                                const std::optional<nlohmann::json>& body, const Deadline&);

    struct Impl;  // opaque; public only so the .cpp's helpers can share it

private:
    std::unique_ptr<Impl> impl_;
};

// Verifies a downloaded .nbdata: a readable zip with _metadata.json and data; fills version/dialect.
Result<BackupFile> verify_backup_file(const std::string& path);

// The client of one inventory node (its direct URL and TLS).
// Disabled TLS verification is warned about once per client.
std::unique_ptr<NocoBaseClient> make_app_client(const Node& node, const Inventory& inventory);

}  // namespace ncbctl::nocobase
