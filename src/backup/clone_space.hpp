#pragma once
// Room on the database server for the in-window copy (backup.in_window: clone): `CREATE DATABASE ... TEMPLATE`
// writes a second copy of the database's files next to the first, in its tablespace's directory, so that
// file system needs at least the database's size free (plus a margin) before the window opens.
// PostgreSQL reports no free space over SQL. It is read with `df -Pk DIR` where the tools run
// (database.run_on), which is the server's file system only when the server is on that machine: the
// database host is loopback or a socket path there, and the user may read `data_directory` (superuser or
// pg_read_all_settings). Otherwise the check says why it cannot tell (never an error).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/tool_runner.hpp"

namespace ncbctl::backup {

inline constexpr std::uint64_t kCloneMargin = 64ULL * 1024 * 1024;

struct ServerSpace {
    bool checkable = false;
    std::string reason;  // why not checkable
    std::string dir;     // the tablespace directory measured
    std::uint64_t needed = 0;
    std::uint64_t available = 0;
};

// Pure: the "Available" column of `df -Pk` output (its last line), in bytes.
std::optional<std::uint64_t> df_available_bytes(std::string_view df_output);
// Pure: whether a database host names the machine the tools run on (loopback, localhost, a socket path).
bool host_is_tools_machine(std::string_view host);
// Pure: Conflict when the space is known and short, naming both figures, the directory and what to do.
Status space_verdict(const ServerSpace& s, const std::string& db_name);

// Reads the figures through the runner (one query, then df where the tools run).
Result<ServerSpace> clone_space(ToolRunner& tools, const DatabaseSpec& db, const Deadline& d);

}  // namespace ncbctl::backup
