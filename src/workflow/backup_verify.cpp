// `backup list` and `backup verify`: the destination's catalog, and the proof that a backup restores.
#include <cstdint>
#include <filesystem>

#include "workflow/backup_jobs.hpp"
#include "workflow/backup_steps.hpp"

namespace ncbctl::workflow {
namespace {

using namespace backup_steps;

Result<std::string> prove_restorable(const BackupJob& job, const std::string& path) {
    auto& ports = job.ports;
    if (!path.ends_with(".nbdata")) return ports.scratch_restore(path, backup_deadline(job.inv));
    auto m = ports.manifest(path);
    if (!m) return fail(m.error());
    // archive_version reads the zip only: size and checksum are compared here.
    const auto size = ports.file_size(path);
    if (size == UINT64_MAX || size != m->bytes)
        return fail(ErrorCode::Verification, path + ": size differs from its manifest (" + std::to_string(size) +
                                                 " vs " + std::to_string(m->bytes) + " bytes)");
    auto sum = ports.sha256(path);
    if (!sum) return fail(sum.error());
    if (*sum != m->sha256) return fail(ErrorCode::Verification, path + ": SHA-256 differs from its manifest");
    auto version = ports.archive_version(path);
    if (!version) return fail(version.error());
    return "archive re-check: zip with _metadata.json and data, NocoBase " + *version + ", sha256 matches";
}

}  // namespace

std::expected<BackupListing, ExitCode> list_backups(const BackupJob& job) {
    auto dest = destination(job);
    if (!dest) return std::unexpected(ExitCode::Usage);
    auto entries = job.ports.list(*dest, job.inv.cluster);
    if (!entries) {
        job.log.error(entries.error().message);
        return std::unexpected(ExitCode::Failed);
    }
    return BackupListing{*dest, std::move(*entries)};
}

ExitCode verify_backup(const BackupJob& job, const std::string& file, bool latest) {
    auto& log = job.log;
    std::string path = file;
    if (latest == !path.empty()) {
        log.error("backup verify needs exactly one of FILE or --latest");
        return ExitCode::Usage;
    }
    if (latest) {
        auto dest = destination(job);
        if (!dest) return ExitCode::Usage;
        auto entries = job.ports.list(*dest, job.inv.cluster);
        if (!entries || entries->empty()) {
            log.error(entries ? "no backups of cluster " + job.inv.cluster + " in " + *dest : entries.error().message);
            return ExitCode::Failed;
        }
        path = entries->front().path;
    }
    auto held = take_lock(job, "backup verify " + std::filesystem::path(path).filename().string());
    if (!held) return held.error();
    auto proof = prove_restorable(job, path);
    if (!proof) {
        log.error(proof.error().message);
        return ExitCode::Failed;
    }
    if (auto st = job.ports.record_restorable(path, *proof); !st) {
        log.error(st.error().message);
        return ExitCode::Failed;
    }
    log.info(path + ": restorable (" + *proof + ")");
    return ExitCode::Ok;
}

}  // namespace ncbctl::workflow
