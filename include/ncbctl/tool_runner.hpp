#pragma once
// Runs a database client tool (pg_dump, pg_restore, psql, mysqldump, mysql) where `database.run_on` says:
// on this machine, on a node's host over SSH, or inside a container through the Docker Engine API. Dumps
// stream the tool's stdout to a sink and restores stream a local file into its stdin, so memory stays flat
// whatever the size of the database; stderr is kept (its last 64 KiB) for the error message.
//
// Secrets: `secret_env` (PGPASSWORD / MYSQL_PWD) reaches the tool's environment without ever appearing in
// an argv on either side, in a log or in a file: locally the child's environment, Docker the exec's Env,
// SSH a line on the tool's stdin read by a `sh` prelude before the data (docs/backup.md says exactly how).
//
// Failure semantics: Error when the tool could not be run at all (transport fault, engine error, deadline:
// Timeout, Ctrl-C: Cancelled) naming where; a sink that returns false stops the run (Io). A tool that is
// not installed where it runs is a normal ToolResult with exit 127 (`missing()`); any other non-zero exit is
// a normal ToolResult too.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/node_driver.hpp"

namespace ncbctl {

struct ToolCall {
    Argv argv;                                      // argv[0] resolved on PATH where the tool runs
    std::map<std::string, std::string> env;         // non-secret settings (PGCONNECT_TIMEOUT)
    std::map<std::string, std::string> secret_env;  // names [A-Z_]+; values must not contain a newline
    std::string stdin_file;                         // local file streamed into stdin; empty: no input
    // Streamed stdout (a dump); empty: stdout is captured (bounded, for queries and --version).
    std::function<bool(std::string_view)> on_stdout;
};

struct ToolResult {
    int exit_code = -1;
    std::string out;  // captured stdout (empty when streamed)
    std::string err;  // stderr tail
    [[nodiscard]] bool ok() const { return exit_code == 0; }
    [[nodiscard]] bool missing() const { return exit_code == 127; }
};

class ToolRunner {
public:
    virtual ~ToolRunner() = default;
    ToolRunner() = default;
    ToolRunner(const ToolRunner&) = delete;
    ToolRunner& operator=(const ToolRunner&) = delete;

    // "local", "node app1 (root@10.0.0.1:22)", "container db on node app1": for messages and the manifest.
    [[nodiscard]] virtual std::string where() const = 0;
    // True when the tool sees this machine's files (local): a dump can then be written by the tool itself
    // (pg_dump -f keeps the data offsets pg_restore -j and selective restores seek with) and a restore can
    // read the file by name instead of through stdin.
    [[nodiscard]] virtual bool shares_files() const { return false; }
    virtual Result<ToolResult> run(const ToolCall& call, const Deadline& deadline) = 0;
    // Preflight of the place itself, before any tool runs there: a container must exist and run on its
    // engine (NotFound / Conflict naming `database.run_on`, the container and the node). Local and SSH:
    // nothing to check here (the first tool's run names an unreachable host).
    virtual Status check_place(const Deadline& deadline) {
        (void)deadline;
        return {};
    }
};

// The stderr kept per tool run.
inline constexpr std::size_t kToolStderrCap = 64U * 1024U;

}  // namespace ncbctl
