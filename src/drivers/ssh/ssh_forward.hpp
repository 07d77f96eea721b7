#pragma once
// A local unix socket forwarded to a unix socket on the host (`ssh -N -L LOCAL:REMOTE`), e.g. the Docker
// driver reaching /var/run/docker.sock of an ssh:// endpoint. The forward is its own ssh child (not the
// ControlMaster, so closing one never breaks the other), started in its own process group and killed by
// PID on close()/destruction; the local socket lives in the private 0700 control directory.
//
// Failure semantics: open() returns the classified transport Error (refused, auth, host key...) when ssh
// exits before the socket appears, Timeout when the socket is not accepting before the deadline, Remote
// when the remote socket cannot be forwarded (ExitOnForwardFailure). After open(), alive() reports a
// forward whose ssh died (connection dropped); the owner re-opens it.
#include <sys/types.h>

#include <memory>
#include <string>

#include "drivers/ssh/ssh_transport.hpp"

namespace ncbctl::ssh {

class SshForward {
public:
    static Result<std::unique_ptr<SshForward>> open(const SshTransport& via, const std::string& remote_socket,
                                                    const Deadline& deadline);
    ~SshForward();
    SshForward(const SshForward&) = delete;
    SshForward& operator=(const SshForward&) = delete;

    [[nodiscard]] const std::string& local_socket() const { return local_; }
    [[nodiscard]] pid_t pid() const { return pid_; }
    [[nodiscard]] bool alive();  // the ssh child still runs
    void close() noexcept;       // SIGTERM (then SIGKILL) the child, reap it, remove the socket

private:
    SshForward(pid_t pid, std::string local, std::string log)
        : pid_(pid), local_(std::move(local)), log_(std::move(log)) {}
    pid_t pid_;
    std::string local_;
    std::string log_;
};

}  // namespace ncbctl::ssh
