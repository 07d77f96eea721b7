#pragma once
// The one way ncbctl replaces a file it keeps (state rollback depends on, lock holders, manifests, downloads,
// files written for a node): a temporary in the same directory, fsync, rename over the target, fsync of the
// directory. A crash or power loss at any point leaves the old content or the new one, never an empty or
// partial file, and no temporary is left behind by a failure ncbctl sees.
#include <string>
#include <string_view>

#include "ncbctl/error.hpp"

namespace ncbctl::util {

// Writes `content` to `path` atomically and durably. The temporary (`<path>.ncbctl-XXXXXX`) is created with
// O_CLOEXEC and O_EXCL, and gets exactly `mode` whatever the umask. The directory must exist. Io error naming
// the path on any failure; the temporary is removed.
Status write_file_atomic(const std::string& path, std::string_view content, int mode = 0600);

// Commits a temporary that is already complete (a file, or a directory) to `path`: fsync of the temporary,
// rename over `path` (a directory only replaces an absent or empty one), fsync of the parent directory. On
// failure the temporary is left for the caller to remove (it may still want it).
Status commit_atomic(const std::string& tmp, const std::string& path);

// fsync of a directory, so a rename or create in it survives a power loss.
Status fsync_directory(const std::string& dir);

// Creates `dir` and its missing parents, each one this call creates with mode 0700 whatever the umask
// (directories that already exist are left as they are: never touch someone else's). Io error naming it.
Status create_private_directories(const std::string& dir);

}  // namespace ncbctl::util
