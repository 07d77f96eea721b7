#pragma once
// One SSH connection target driven through the system OpenSSH client (argv, never a local shell), so the
// operator's ~/.ssh/config, agent, ProxyJump and known_hosts keep working.
//
// Multiplexing: every transport owns one ControlMaster (ControlPath in a private 0700 directory made once
// per process). The master is started explicitly (`ssh -f -N`) before the first command, so a command
// that times out never takes the master down with it. close() runs `ssh -O exit` (after a second Ctrl-C,
// when a spawned child would be killed at once, it SIGTERMs the master's PID, checked against its
// ControlPath); the destructor and an atexit hook call it; ControlPersist bounds a master if we are killed.
//
// Deadlines: a mux client hands its stdio to the master, so killing the local client alone would leave
// our pipes open until the remote command ends. Every remote command with a finite deadline therefore
// runs under the host's `timeout -k 2 SECS` (coreutils/busybox), set 2 s past the local deadline: the
// command is stopped on the host too, and the local call returns within ~4 s of its deadline.
//
// Failure semantics (all Errors name the node): exit 255 of the client is classified from its stderr into
// SshFault; a 255 with no client message while the master went away is a dropped connection; a 255 with
// the master still up is the remote command's own exit code. Remote non-zero exits are normal ExecResults.
// Transient (retry helps): refused, unreachable, connect timeout, dropped. Not transient: auth, host key,
// configuration, command deadline (the remote command may still be running).
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/node_driver.hpp"
#include "net/process.hpp"

namespace ncbctl::ssh {

enum class SshFault { None, Refused, Unreachable, UnknownHost, ConnectTimeout, Auth, HostKey, Dropped, Config };
std::string_view to_string(SshFault f) noexcept;

// Pure: what the OpenSSH client's stderr says went wrong (None when it names no transport failure).
SshFault classify_ssh_stderr(std::string_view err);
// The one-line Error for a fault on `who` ("node app1 (root@h:22)"), with code and transience.
Error fault_error(SshFault f, std::string_view who, std::string_view detail);

// `timeout -k 2 SECS argv...` for a finite deadline (SECS = remaining + 2 s), else argv unchanged.
Argv with_remote_timeout(const Argv& remote, Duration remaining);

// Checks host/user/options/jump for values that could smuggle ssh options or newlines (Inventory error).
Status validate_target(const SshTarget& t);

class SshTransport {
public:
    // Validates the target; no I/O. connect_timeout becomes ConnectTimeout (whole seconds, at least 1).
    static Result<std::shared_ptr<SshTransport>> open(std::string node, SshTarget target, Duration connect_timeout);
    // One shared transport (hence one master) per distinct target while any user holds it.
    static Result<std::shared_ptr<SshTransport>> shared(const std::string& node, const SshTarget& target,
                                                        Duration connect_timeout);

    ~SshTransport();
    SshTransport(const SshTransport&) = delete;
    SshTransport& operator=(const SshTransport&) = delete;

    [[nodiscard]] const std::string& node() const { return node_; }
    [[nodiscard]] std::string who() const;          // "node app1 (root@10.0.0.1:22)"
    [[nodiscard]] std::string destination() const;  // "[user@]host" as given to ssh
    [[nodiscard]] const std::string& control_path() const { return control_path_; }

    // Options shared by ssh, scp and `-O` calls (no host). `multiplexed` adds the Control* options.
    [[nodiscard]] Argv common_options(bool multiplexed = true) const;
    // Full argv for running `remote` (quoted once with shell_join) on the host; `extra` are client options
    // placed before the destination (-f, -N, -O check, -L ...). An empty `remote` runs no command.
    [[nodiscard]] Argv ssh_argv(const Argv& remote, bool multiplexed = true, const Argv& extra = {}) const;

    Status connect(const Deadline& deadline);  // starts the master when it is not up
    [[nodiscard]] bool master_alive() const;   // `ssh -O check`
    void close() noexcept;                     // `ssh -O exit`; idempotent

    // Runs `remote` on the host. Transport failures are Errors; a non-zero remote exit is an ExecResult.
    Result<ExecResult> run(const Argv& remote, const Deadline& deadline, const std::string& stdin_data = {});
    // Streams the remote command's stdout into `local_file` (created 0600).
    Result<ExecResult> run_to_file(const Argv& remote, const std::string& local_file, const Deadline& deadline);

    // Runs `remote` with its stdin fed from `io.stdin_data` then `io.stdin_file` and its stdout streamed to
    // `io.on_stdout` (or captured); stderr keeps its last `io.max_capture` bytes. Errors as for run().
    Result<ExecResult> run_streaming(const Argv& remote, const Deadline& deadline, net::ProcessOptions io);

    // Atomic remote write (temp file in the same directory, chmod, rename).
    Status write_file(const std::string& remote_path, const std::string& content, const Deadline& deadline,
                      int mode = 0644);
    // nullopt when the file does not exist.
    Result<std::optional<std::string>> read_file(const std::string& remote_path, const Deadline& deadline);
    // Copies a local file of any size (scp in SFTP mode, then rename into place on the host).
    Status put_file(const std::string& local_path, const std::string& remote_path, const Deadline& deadline,
                    int mode = 0644);
    // Copies a remote file into `local_path` (written to a temp file, then renamed).
    Status get_file(const std::string& remote_path, const std::string& local_path, const Deadline& deadline);

private:
    SshTransport(std::string node, SshTarget target, Duration connect_timeout, std::string control_path);
    Result<ExecResult> run_impl(const Argv& remote, const Deadline& deadline, net::ProcessOptions io);

    std::string node_;
    SshTarget target_;
    Duration connect_timeout_;
    std::string control_path_;
    std::mutex master_mu_;
    bool master_started_ = false;
    long master_pid_ = 0;
    int owner_pid_;  // a child after fork() must not close the parent's master
};

// The shared transport of a node: its `ssh` target (or, for a docker node with an ssh:// endpoint, that
// target). Inventory error when the node has no SSH target.
Result<std::shared_ptr<SshTransport>> transport_for(const Node& node, Duration connect_timeout);
Duration connect_timeout(const Inventory& inventory);  // inventory timeouts.connect

// The private 0700 directory holding this process's control sockets and forwards (created on first use).
Result<std::string> control_dir();

}  // namespace ncbctl::ssh
