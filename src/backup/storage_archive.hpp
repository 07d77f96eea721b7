#pragma once
// Archive of the shared storage/ directory (plugins, uploads, keys) beside the database dump.
// The archive is written under a temporary name, checksummed, listed back with `tar -tzf` and then
// renamed. Restore extracts into a sibling directory and swaps it in by rename; the replaced
// directory is kept as <dir>.ncbctl-replaced-<stamp> so nothing is lost.
#include <string>

#include "ncbctl/action_runner.hpp"
#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"

namespace ncbctl::backup {

// Details: path, sha256, bytes, entries.
Result<Params> archive_storage(const std::string& storage_dir, const std::string& dest_dir,
                               const std::string& base_name, const Deadline& deadline);
Status restore_storage(const std::string& archive, const std::string& storage_dir, const Deadline& deadline);

}  // namespace ncbctl::backup
