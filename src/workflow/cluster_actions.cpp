// The cluster-wide family: the database check, the record taken before a run, backups and their
// restore, and the versions every node reports before traffic returns.
#include <sys/statvfs.h>

#include <filesystem>
#include <map>
#include <set>

#include "ncbctl/actions.hpp"
#include "util/atomic_file.hpp"
#include "workflow/cluster_runner.hpp"
#include "workflow/progress.hpp"
#include "workflow/state_files.hpp"

namespace ncbctl::workflow {

namespace fs = std::filesystem;

const ClusterRunner::Handlers& ClusterRunner::cluster_handlers() {
    static const Handlers table = {
        {actions::kVerifyVersions, &ClusterRunner::verify_versions},
        {actions::kDatabaseCheck, &ClusterRunner::database_check},
        {actions::kAppRecord, &ClusterRunner::app_record},
        {actions::kBackupSpace, &ClusterRunner::backup_space},
        {actions::kBackupDatabase, &ClusterRunner::backup_database},
        {actions::kBackupStorage, &ClusterRunner::backup_storage},
        {actions::kBackupRestore, &ClusterRunner::backup_restore},
        {actions::kBackupRestoreStorage, &ClusterRunner::backup_restore},
        {actions::kDatabaseCloneCheck, &ClusterRunner::clone_check},
        {actions::kBackupClone, &ClusterRunner::backup_clone},
        {actions::kBackupSwap, &ClusterRunner::backup_swap},
        {actions::kBackupDumpCopy, &ClusterRunner::backup_dump_copy},
        {actions::kBackupDropCopy, &ClusterRunner::backup_drop_copy},
        {actions::kPreflightCluster, &ClusterRunner::preflight_cluster},
    };
    return table;
}

Result<StepResult> ClusterRunner::database_check(const std::string&, const Call& c) {
    StepResult out;
    if (auto st = ports_.database_check(c.deadline); !st) return fail(st.error());
    return out;
}

Result<StepResult> ClusterRunner::app_record(const std::string&, const Call& c) {
    StepResult out;
    // The version and the enabled plugins before anything changes, from the first ready node.
    for (const auto& n : inv_.nodes) {
        auto app = ports_.node_app(n);
        if (!app) return fail(app.error());
        auto st = (*app)->check(c.deadline);
        if (st.phase != AppPhase::Ready) continue;
        auto plugins = (*app)->plugins(c.deadline);
        if (!plugins) return fail(about(plugins.error(), n.name));
        std::set<std::string> enabled;
        for (const auto& p : *plugins)
            if (p.enabled) enabled.insert(p.name);
        if (auto w = write_small_file(state_file("plugins-enabled"), join(enabled)); !w) return fail(w.error());
        out.details = {{"version", st.version}, {"node", n.name}, {"plugins_enabled", std::to_string(enabled.size())}};
        return out;
    }
    return fail(ErrorCode::Unreachable,
                "no node answers ready: cannot record the version and plugins before "
                "the upgrade (start the cluster first: ncbctl start)",
                true);
}

Result<StepResult> ClusterRunner::backup_space(const std::string&, const Call& c) {
    StepResult out;
    if (inv_.backup.destination.empty()) return fail(ErrorCode::Inventory, "backup.destination is not set");
    (void)util::create_private_directories(inv_.backup.destination);  // statvfs below reports a failure
    struct statvfs vfs {};
    if (::statvfs(inv_.backup.destination.c_str(), &vfs) != 0)
        return fail(ErrorCode::Io, "cannot stat backup destination " + inv_.backup.destination);
    const std::uint64_t free_bytes = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    std::uint64_t need = 0;
    if (ports_.database_size) {
        auto size = ports_.database_size(c.deadline);
        if (!size) return fail(size.error());
        need = *size;  // a custom-format dump is compressed: the database size is a safe upper bound
    }
    out.details = {{"free_bytes", std::to_string(free_bytes)}, {"needed_bytes", std::to_string(need)}};
    if (free_bytes < need + (64ULL << 20))
        return fail(ErrorCode::Io, "backup destination " + inv_.backup.destination + " has " +
                                       std::to_string(free_bytes >> 20) + " MiB free; the database needs about " +
                                       std::to_string(need >> 20) + " MiB");
    return out;
}

Result<StepResult> ClusterRunner::backup_database(const std::string&, const Call& c) {
    StepResult out;
    auto r = ports_.database_dump(inv_.cluster + "-" + utc_stamp(), c.deadline);
    if (!r) return fail(r.error());
    out.details = *r;
    progress(c.events, "backup " + param(*r, "path") + " sha256 " + param(*r, "sha256").substr(0, 12) + "… verified");
    return out;
}

Result<StepResult> ClusterRunner::backup_storage(const std::string&, const Call& c) {
    StepResult out;
    auto r = ports_.storage_archive(inv_.cluster + "-" + utc_stamp(), c.deadline);
    if (!r) return fail(r.error());
    out.details = *r;
    return out;
}

Result<StepResult> ClusterRunner::backup_restore(const std::string& action, const Call& c) {
    StepResult out;
    std::string path = param(c.done, "path");
    if (path.empty()) path = param(c.step.params, "path");  // `ncbctl rollback RUN`
    if (path.empty()) return fail(ErrorCode::Internal, "step " + c.step.id + ": no backup recorded to restore");
    progress(c.events, "restoring " + path);
    auto st = action == actions::kBackupRestore ? ports_.database_restore(path, c.deadline)
                                                : ports_.storage_restore(path, c.deadline);
    if (!st) return fail(st.error());
    out.details = {{"restored", path}};
    return out;
}

Result<StepResult> ClusterRunner::verify_versions(const std::string&, const Call& c) {
    const Step& step = c.step;
    const Deadline& deadline = c.deadline;
    const std::string want = expected_app_version(param(step.params, "version"));
    std::map<std::string, std::string> versions;
    std::set<std::string> distinct;
    for (const auto& n : inv_.nodes) {
        auto app = ports_.node_app(n);
        if (!app) return fail(app.error());
        auto st = (*app)->check(deadline);
        if (st.phase != AppPhase::Ready)
            return fail(ErrorCode::Verification,
                        "node " + n.name + " is not ready (" + std::string(to_string(st.phase)) +
                            (st.message.empty() ? "" : ": " + st.message) + ")",
                        true);
        versions[n.name] = st.version;
        distinct.insert(st.version);
    }
    std::string listing;
    for (const auto& [n, v] : versions) listing += (listing.empty() ? "" : ", ") + n + "=" + v;
    if (distinct.size() != 1)
        return fail(ErrorCode::Verification, "nodes report different versions (" + listing + "); traffic stays off");
    if (!want.empty() && *distinct.begin() != want)
        return fail(ErrorCode::Verification, "nodes report " + *distinct.begin() + ", expected " + want);
    StepResult out;
    out.details = {{"version", *distinct.begin()}, {"nodes", listing}};
    return out;
}

}  // namespace ncbctl::workflow
