#pragma once
// A recording fake of the backup jobs' ports (src/workflow/backup_ports.hpp): an in-memory destination
// (files with their manifests), nodes whose readiness and backups the test sets, a lock that is free or held,
// and every call recorded in order ("lock backup prune", "ping start", "remove /d/x.pgdump"...).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app_client.hpp"  // tests/unit/fakes/
#include "workflow/backup_ports.hpp"

namespace ncbctl::testing {

using workflow::ManifestFacts;

struct FakeBackupWorld {
    struct File {
        std::uint64_t bytes = 0;
        std::string sha256;
        std::optional<ManifestFacts> manifest;  // nullopt: no manifest
        std::string restorable_by;
    };
    std::map<std::string, File> files;           // path -> file
    std::vector<BackupEntry> catalog;            // what list() returns (the test keeps it newest first)
    std::map<std::string, AppPhase> node_phase;  // default Ready
    std::string created = "backup_20261202_120000_0001.nbdata";
    std::optional<workflow::LockRefused> lock_refused;
    std::optional<Error> dump_error, scratch_error, remove_error;
    std::int64_t now = 1764676800;  // 2025-12-02T12:00:00Z
    std::vector<std::string> calls;
    std::vector<std::string> ping_bodies;
    std::vector<ApiManifest> api_manifests;
};

class FakeBackupApp final : public StubApp {
public:
    FakeBackupApp(FakeBackupWorld& w, std::string node) : w_(w), node_(std::move(node)) {}
    AppStatus check(const Deadline&) override {
        auto it = w_.node_phase.find(node_);
        const AppPhase p = it == w_.node_phase.end() ? AppPhase::Ready : it->second;
        return {.phase = p, .message = p == AppPhase::Ready ? "" : "faked"};
    }

private:
    FakeBackupWorld& w_;
    std::string node_;
};

inline workflow::BackupPorts fake_backup_ports(FakeBackupWorld& w) {
    workflow::BackupPorts p;
    p.lock = [&w](const std::string& command) -> std::expected<run::HeldLock, workflow::LockRefused> {
        w.calls.push_back("lock " + command);
        if (w.lock_refused) return std::unexpected(*w.lock_refused);
        return run::HeldLock{};
    };
    p.node_app = [&w](const Node& n) -> std::unique_ptr<AppClient> {
        return std::make_unique<FakeBackupApp>(w, n.name);
    };
    p.node_backups = [&w](const Node& n) {
        const std::string node = n.name;
        return workflow::NodeBackups{
            .create = [&w, node](const Deadline&) -> Result<std::string> {
                w.calls.push_back("create on " + node);
                return w.created;
            },
            .download = [&w, node](const std::string& name, const std::string& path,
                                   const Deadline&) -> Result<workflow::ApiBackupFile> {
                w.calls.push_back("download " + name + " from " + node + " to " + path);
                w.files[path] = {.bytes = 2048, .sha256 = "abcdef0123456789"};
                return workflow::ApiBackupFile{"abcdef0123456789", 2048, "2.2.15", "postgres"};
            },
            .remove = [&w, node](const std::string& name, const Deadline&) -> Status {
                w.calls.push_back("delete " + name + " on " + node);
                return {};
            },
        };
    };
    p.database_dump = [&w](const std::string& dir, const std::string& base,
                           const Deadline&) -> Result<workflow::DumpDone> {
        w.calls.push_back("dump " + dir + " " + base);
        if (w.dump_error) return fail(*w.dump_error);
        const std::string path = dir + "/" + base + ".pgdump";
        w.files[path] = {.bytes = 1536, .sha256 = "0123456789abcdef", .manifest = {{"0123456789abcdef", 1536}}};
        return workflow::DumpDone{path, "0123456789abcdef", 1536, "pg_restore --list: 3 entries", 2.0};
    };
    p.scratch_restore = [&w](const std::string& path, const Deadline&) -> Result<std::string> {
        w.calls.push_back("scratch " + path);
        if (w.scratch_error) return fail(*w.scratch_error);
        return std::string("scratch restore: 3 tables");
    };
    p.archive_version = [&w](const std::string& path) -> Result<std::string> {
        w.calls.push_back("archive " + path);
        return std::string("2.2.15");
    };
    p.ping = [&w](workflow::PingEvent e, const std::string& body) {
        w.calls.push_back(e == workflow::PingEvent::Start     ? "ping start"
                          : e == workflow::PingEvent::Success ? "ping success"
                                                              : "ping failure");
        w.ping_bodies.push_back(body);
        return std::vector<std::string>{};
    };
    p.make_dir = [&w](const std::string& dir) -> Status {
        w.calls.push_back("mkdir " + dir);
        return {};
    };
    p.exists = [&w](const std::string& path) { return w.files.contains(path); };
    p.file_size = [&w](const std::string& path) -> std::uint64_t {
        auto it = w.files.find(path);
        return it == w.files.end() ? UINT64_MAX : it->second.bytes;
    };
    p.sha256 = [&w](const std::string& path) -> Result<std::string> {
        auto it = w.files.find(path);
        if (it == w.files.end()) return fail(ErrorCode::NotFound, "no file " + path);
        return it->second.sha256;
    };
    p.list = [&w](const std::string& dir, const std::string& cluster) -> Result<std::vector<BackupEntry>> {
        w.calls.push_back("list " + dir + " " + cluster);
        return w.catalog;
    };
    p.manifest = [&w](const std::string& path) -> Result<ManifestFacts> {
        auto it = w.files.find(path);
        if (it == w.files.end() || !it->second.manifest)
            return fail(ErrorCode::NotFound, "no manifest " + path + ".json");
        return *it->second.manifest;
    };
    p.write_api_manifest = [&w](const ApiManifest& m) -> Status {
        w.api_manifests.push_back(m);
        w.files[m.path].manifest = ManifestFacts{m.sha256, m.bytes};
        return {};
    };
    p.record_restorable = [&w](const std::string& path, const std::string& how) -> Status {
        w.calls.push_back("record " + path);
        w.files[path].restorable_by = how;
        return {};
    };
    p.remove = [&w](const std::string& path) -> Status {
        w.calls.push_back("remove " + path);
        if (w.remove_error) return fail(*w.remove_error);
        w.files.erase(path);
        return {};
    };
    p.now = [&w] { return w.now; };
    return p;
}

}  // namespace ncbctl::testing
