#pragma once
// Steps the backup jobs share (src/workflow/backup_*.cpp): the destination, the lock, a ready node and the
// download of an API backup.
#include <expected>
#include <optional>
#include <string>

#include "run/cluster_lock.hpp"
#include "workflow/backup_jobs.hpp"

namespace ncbctl::workflow::backup_steps {

// The destination, or nullopt after logging why there is none.
std::optional<std::string> destination(const BackupJob& job);
// The lock for `command` ("backup run --method database"); ExitCode::LockHeld when another run holds it.
std::expected<run::HeldLock, ExitCode> take_lock(const BackupJob& job, const std::string& command);
// The first ready node (or `wanted` when ready); logs each node that is not.
const Node* ready_node(const BackupJob& job, const std::string& wanted);
// An API backup made on `node` (or its existing backup `existing`) downloaded, verified and described by a
// manifest in `dest`/<base>.nbdata. Returns the summary line.
Result<std::string> api_backup(const BackupJob& job, const Node& node, const std::string& dest, const std::string& base,
                               bool delete_on_node, const std::string& existing = "");
Deadline backup_deadline(const Inventory& inv);
// "%.1f"
std::string seconds_text(double seconds);

}  // namespace ncbctl::workflow::backup_steps
