#pragma once
// Child processes from argv vectors (posix_spawnp), never through a shell. Output is captured through
// pipes with poll(); the child runs in its own process group so a timeout or abort kills the whole tree
// (SIGTERM, then SIGKILL after a grace period).
// Failure semantics: Error only when the process could not be run (not found, spawn failed) or when the
// deadline passed (Timeout, the group killed) or a second Ctrl-C arrived (Cancelled). A non-zero exit
// code is a normal ProcessResult. After such a kill the pipes are read for at most 200 ms more, then
// closed: whoever still holds them (a multiplexed ssh client's ControlMaster) is not waited for.
// A child that closes its stdin early (pg_restore --list stops after the TOC) is not an error: the rest of
// the input is not written (EPIPE is taken without a SIGPIPE).
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "util/shell_text.hpp"

namespace ncbctl::net {

struct ProcessOptions {
    std::vector<std::string> argv;
    std::string stdin_data;                  // written first, then stdin_file, then stdin is closed
    std::string stdin_file;                  // streamed after stdin_data (a restore's dump); never in memory
    std::map<std::string, std::string> env;  // added to (or overriding) the inherited environment
    std::vector<std::string> unset_env;      // removed from the inherited environment
    std::string cwd;
    std::string stdout_file;                          // when set, stdout goes to this file (mode 0600)
    std::function<void(std::string_view)> on_stdout;  // streamed chunks (then not captured)
    std::function<void(std::string_view)> on_stderr;
    std::size_t max_capture = 16U * 1024U * 1024U;  // per stream; the rest is dropped (tail kept)
    Duration kill_grace{3000};                      // SIGTERM -> SIGKILL
};

struct ProcessResult {
    int exit_code = -1;   // -1 when killed by a signal
    int term_signal = 0;  // signal number when killed
    std::string out;
    std::string err;
    double seconds = 0;
    [[nodiscard]] bool ok() const { return exit_code == 0; }
};

Result<ProcessResult> run_process(const ProcessOptions& opts, const Deadline& deadline);

// The process adapters quote and report with these (src/util/shell_text.hpp).
using util::last_lines;
using util::shell_join;
using util::shell_quote;

}  // namespace ncbctl::net
