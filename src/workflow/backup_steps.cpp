#include "workflow/backup_steps.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "util/backup_names.hpp"

namespace ncbctl::workflow::backup_steps {

using namespace std::chrono_literals;

Deadline backup_deadline(const Inventory& inv) {
    return Deadline::after(std::chrono::duration_cast<Duration>(inv.timeouts.backup));
}

std::string seconds_text(double seconds) {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", seconds);
    return secs;
}

std::optional<std::string> destination(const BackupJob& job) {
    std::string d = job.dest.empty() ? job.inv.backup.destination : job.dest;
    if (d.empty()) {
        job.log.error("no backup destination: set backup.destination in " + job.inv.source_path +
                      " or pass --dest DIR");
        return std::nullopt;
    }
    return d;
}

std::expected<run::HeldLock, ExitCode> take_lock(const BackupJob& job, const std::string& command) {
    auto held = job.ports.lock(command);
    if (!held) {
        if (held.error().exit == ExitCode::LockHeld)
            job.log.error("backup " + command.substr(command.find(' ') + 1) + " skipped: " + held.error().message);
        else
            job.log.error(held.error().message);
        return std::unexpected(held.error().exit);
    }
    return std::move(*held);
}

const Node* ready_node(const BackupJob& job, const std::string& wanted) {
    for (const auto& n : job.inv.nodes) {
        if (!wanted.empty() && n.name != wanted) continue;
        auto st = job.ports.node_app(n)->check(Deadline::after(10s));
        if (st.phase == AppPhase::Ready) return &n;
        job.log.info("node " + n.name + " is not ready (" + std::string(to_string(st.phase)) +
                     (st.message.empty() ? "" : ": " + st.message) + ")");
        if (!wanted.empty()) return nullptr;
    }
    return nullptr;
}

Result<std::string> api_backup(const BackupJob& job, const Node& node, const std::string& dest, const std::string& base,
                               bool delete_on_node, const std::string& existing) {
    auto& ports = job.ports;
    const auto started = Clock::now();
    const Deadline deadline = backup_deadline(job.inv);
    auto backups = ports.node_backups(node);
    auto name = existing.empty() ? backups.create(deadline) : Result<std::string>(existing);
    if (!name) return fail(name.error().with_context("node " + node.name + ": backup: "));
    job.log.info("node " + node.name + (existing.empty() ? " made backup " : " has backup ") + *name + "; downloading");
    if (auto d = ports.make_dir(dest); !d) return fail(d.error());
    const std::string path = (std::filesystem::path(dest) / (base + ".nbdata")).string();
    if (ports.exists(path))
        return fail(ErrorCode::Conflict, path + " already exists (two backups in the same second); run again");
    auto file = backups.download(*name, path, deadline);
    if (!file) return fail(file.error());
    ApiManifest m{.path = path,
                  .sha256 = file->sha256,
                  .bytes = file->bytes,
                  .node = node.name,
                  .app_backup = *name,
                  .nocobase_version = file->version,
                  .dialect = file->dialect,
                  .seconds = std::chrono::duration<double>(Clock::now() - started).count()};
    if (auto w = ports.write_api_manifest(m); !w) return fail(w.error());
    if (delete_on_node) {
        if (auto d = backups.remove(*name, Deadline::after(60s)); !d)
            job.log.warn("node " + node.name + ": could not delete " + *name + " after download: " + d.error().message);
    }
    return "backup " + path + " (" + backup::human_bytes(m.bytes) + ", NocoBase " + file->version + ") sha256 " +
           m.sha256.substr(0, 12) + " verified in " + seconds_text(m.seconds) + " s";
}

}  // namespace ncbctl::workflow::backup_steps
