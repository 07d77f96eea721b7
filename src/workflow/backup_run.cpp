// `backup run` and `backup download`: a database dump or an API backup into the destination, under the lock.
#include "util/backup_names.hpp"
#include "workflow/backup_jobs.hpp"
#include "workflow/backup_steps.hpp"

namespace ncbctl::workflow {

using namespace backup_steps;

ExitCode run_backup(const BackupJob& job, const BackupRunRequest& req) {
    auto& log = job.log;
    auto& ports = job.ports;
    const std::string method = req.method.empty() ? job.inv.backup.method : req.method;
    if (method != "database" && method != "api") {
        log.error("--method " + method + ": expected database or api");
        return ExitCode::Usage;
    }
    auto dest = destination(job);
    if (!dest) return ExitCode::Usage;
    auto held = take_lock(job, "backup run --method " + method);
    if (!held) return held.error();
    for (const auto& w : ports.ping(PingEvent::Start, "")) log.warn(w);

    const std::string base = backup::backup_base_name(job.inv.cluster, ports.now());
    Result<std::string> summary = fail(ErrorCode::Internal, "no backup method ran");
    ExitCode failure = ExitCode::Failed;
    if (method == "database") {
        auto m = ports.database_dump(*dest, base, backup_deadline(job.inv));
        if (m)
            summary = "backup " + m->path + " (" + backup::human_bytes(m->bytes) + ") sha256 " +
                      m->sha256.substr(0, 12) + " verified (" + m->verified_by + ") in " + seconds_text(m->seconds) +
                      " s";
        else
            summary = fail(m.error());
    } else if (const Node* node = ready_node(job, req.node); node == nullptr) {
        summary = fail(ErrorCode::Unreachable,
                       req.node.empty() ? "no node is ready for an API backup; start the cluster or use --method "
                                          "database"
                                        : "node " + req.node + " is not ready for an API backup");
        failure = ExitCode::Preflight;
    } else {
        summary = api_backup(job, *node, *dest, base, req.delete_on_node);
    }
    if (!summary) {
        log.error(summary.error().message);
        for (const auto& w : ports.ping(PingEvent::Failure, log.tail())) log.warn(w);
        return failure;
    }
    log.info(*summary);
    for (const auto& w : ports.ping(PingEvent::Success, log.tail())) log.warn(w);
    return ExitCode::Ok;
}

ExitCode download_backup(const BackupJob& job, const std::string& name, const std::string& node_name) {
    auto dest = destination(job);
    if (!dest) return ExitCode::Usage;
    auto held = take_lock(job, "backup download " + name);
    if (!held) return held.error();
    const Node* node = ready_node(job, node_name);
    if (node == nullptr) {
        job.log.error("no node is ready to download " + name + " from; start the cluster");
        return ExitCode::Preflight;
    }
    auto summary =
        api_backup(job, *node, *dest, backup::backup_base_name(job.inv.cluster, job.ports.now()), false, name);
    if (!summary) {
        job.log.error(summary.error().message);
        return ExitCode::Failed;
    }
    job.log.info(*summary);
    return ExitCode::Ok;
}

}  // namespace ncbctl::workflow
