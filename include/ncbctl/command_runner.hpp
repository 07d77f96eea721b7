#pragma once
// Runs a command "somewhere": locally (src/net/local_runner) or on a node over SSH (src/drivers/ssh/); the
// inventory picks which (src/wiring).
// Used by the traffic drivers (nginx -t, reload, HAProxy socket via socat) and database backups.
// Failure semantics: Error when the command could not be run or timed out; a non-zero exit is a
// normal ExecResult.
#include <memory>
#include <string>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/node_driver.hpp"

namespace ncbctl {

class CommandRunner {
public:
    virtual ~CommandRunner() = default;
    CommandRunner() = default;
    CommandRunner(const CommandRunner&) = delete;
    CommandRunner& operator=(const CommandRunner&) = delete;

    [[nodiscard]] virtual std::string where() const = 0;  // "local" or "node app1 (root@10.0.0.1)"
    virtual Result<ExecResult> run(const Argv& argv, const std::string& stdin_data, const Deadline&) = 0;
    // Writes `content` to `path` atomically (temp file in the same dir, then rename), mode 0644 unless given.
    virtual Status write_file(const std::string& path, const std::string& content, const Deadline&,
                              int mode = 0644) = 0;
};

}  // namespace ncbctl
