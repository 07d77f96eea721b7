// The real ports of the backup jobs: the NocoBase client, database dumps where database.run_on says, the
// destination directory's catalog and manifests, Healthchecks pings.
#include <sys/stat.h>

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <memory>

#include "backup/catalog.hpp"
#include "backup/database_dump.hpp"
#include "backup/ping.hpp"
#include "nocobase/client.hpp"
#include "util/atomic_file.hpp"
#include "util/sha256.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::wiring {

namespace fs = std::filesystem;

workflow::BackupPorts make_backup_ports(const Inventory& inv, const std::string& ping_base) {
    workflow::BackupPorts p;
    p.node_app = [&inv](const Node& n) { return make_app_client(n, inv); };
    p.node_backups = [&inv](const Node& n) {
        std::shared_ptr<nocobase::NocoBaseClient> c = nocobase::make_app_client(n, inv);
        return workflow::NodeBackups{
            .create = [c](const Deadline& d) { return c->backup_create(d); },
            .download = [c](const std::string& name, const std::string& path,
                            const Deadline& d) -> Result<workflow::ApiBackupFile> {
                auto file = c->backup_download_verified(name, path, d);
                if (!file) return fail(file.error());
                ::chmod(path.c_str(), 0600);
                return workflow::ApiBackupFile{file->sha256, file->bytes, file->version, file->dialect};
            },
            .remove = [c](const std::string& name, const Deadline& d) { return c->backup_delete(name, d); },
        };
    };
    p.database_dump = [&inv](const std::string& dir, const std::string& base,
                             const Deadline& d) -> Result<workflow::DumpDone> {
        auto tools = make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        auto m = backup::dump_database(**tools, inv.database, dir, base, "", d);
        if (!m) return fail(m.error());
        return workflow::DumpDone{m->path, m->sha256, m->bytes, m->verified_by, m->seconds};
    };
    p.scratch_restore = [&inv](const std::string& path, const Deadline& d) -> Result<std::string> {
        auto tools = make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        return backup::restore_to_scratch(**tools, inv.database, path, d);
    };
    p.archive_version = [](const std::string& path) -> Result<std::string> {
        auto f = nocobase::verify_backup_file(path);
        if (!f) return fail(f.error());
        return f->version;
    };
    backup::PingTargets pings{inv.backup.ping_start, inv.backup.ping_success, inv.backup.ping_failure};
    if (!ping_base.empty()) backup::add_ping_base(pings, ping_base);
    p.ping = [pings](workflow::PingEvent e, const std::string& body) {
        const auto event = e == workflow::PingEvent::Start     ? backup::PingEvent::Start
                           : e == workflow::PingEvent::Success ? backup::PingEvent::Success
                                                               : backup::PingEvent::Failure;
        return backup::send_pings(pings, event, body);
    };
    p.make_dir = [](const std::string& dir) -> Status {
        if (auto d = util::create_private_directories(dir); !d) return fail(d.error());
        ::chmod(dir.c_str(), 0700);
        return {};
    };
    p.exists = [](const std::string& path) {
        std::error_code ec;
        return fs::exists(path, ec);
    };
    p.file_size = [](const std::string& path) -> std::uint64_t {
        std::error_code ec;
        const auto size = fs::file_size(path, ec);
        return ec ? UINT64_MAX : static_cast<std::uint64_t>(size);
    };
    p.sha256 = util::sha256_file_hex;
    p.list = backup::list_backups;
    p.manifest = [](const std::string& path) -> Result<workflow::ManifestFacts> {
        auto m = backup::read_manifest(path);
        if (!m) return fail(m.error());
        return workflow::ManifestFacts{m->sha256, m->bytes};
    };
    p.write_api_manifest = backup::write_api_manifest;
    p.record_restorable = backup::record_restorable;
    p.remove = [](const std::string& path) -> Status {
        std::error_code ec;
        fs::remove_all(path, ec);  // a directory dump (.pgdir) is a tree
        if (!ec) fs::remove(backup::manifest_path(path), ec);
        if (ec) return fail(ErrorCode::Io, ec.message());
        return {};
    };
    p.now = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
    return p;
}

}  // namespace ncbctl::wiring
