#include "drivers/ssh/ssh_forward.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "net/process.hpp"
#include "util/fd.hpp"

extern char** environ;

namespace ncbctl::ssh {
namespace {

std::atomic<unsigned> g_counter{0};

bool accepts(const std::string& path) {
    util::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;  // NOLINT
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A long-lived child: net::run_process waits for its child, so the forward is spawned here.
Result<pid_t> spawn_background(const Argv& argv, const std::string& log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD}) sigaddset(&defaults, s);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setpgroup(&attr, 0);  // Ctrl-C at the terminal does not reach it; we stop it ourselves
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    std::vector<std::string> store = argv;
    std::vector<char*> args;
    for (auto& a : store) args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) return fail(ErrorCode::Io, "cannot run ssh: " + std::string(std::strerror(rc)));
    return pid;
}

}  // namespace

Result<std::unique_ptr<SshForward>> SshForward::open(const SshTransport& via, const std::string& remote_socket,
                                                     const Deadline& deadline) {
    if (remote_socket.empty() || remote_socket.front() != '/' ||
        remote_socket.find_first_of(":\n ") != std::string::npos)
        return fail(ErrorCode::Inventory,
                    via.who() + ": remote socket '" + remote_socket + "' must be an absolute path");
    auto dir = control_dir();
    if (!dir) return fail(dir.error());
    const std::string n = std::to_string(++g_counter);
    const std::string local = *dir + "/fwd-" + n + ".sock";
    const std::string log = *dir + "/fwd-" + n + ".log";
    const Argv argv = via.ssh_argv(
        {}, false,
        {"-N", "-o", "ExitOnForwardFailure=yes", "-o", "StreamLocalBindUnlink=yes", "-L", local + ":" + remote_socket});
    auto pid = spawn_background(argv, log);
    if (!pid) return fail(pid.error().with_context(via.who() + ": "));
    std::unique_ptr<SshForward> fwd(new SshForward(*pid, local, log));
    while (true) {
        int status = 0;
        if (::waitpid(*pid, &status, WNOHANG) == *pid) {
            fwd->pid_ = -1;
            const std::string err = read_text(log);
            auto f = classify_ssh_stderr(err);
            if (f != SshFault::None) return fail(fault_error(f, via.who(), net::last_lines(err)));
            return fail(ErrorCode::Remote,
                        via.who() + ": cannot forward " + remote_socket + ": " + net::last_lines(err));
        }
        if (accepts(local)) return fwd;
        if (deadline.expired())
            return fail(ErrorCode::Timeout,
                        via.who() + ": forward to " + remote_socket + " not ready before the deadline", true);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

SshForward::~SshForward() {
    close();
}

bool SshForward::alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
    }
    return true;
}

void SshForward::close() noexcept {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        bool gone = false;
        for (int i = 0; i < 100 && !gone; ++i) {  // ssh exits at once on SIGTERM; 2 s before SIGKILL
            gone = ::waitpid(pid_, &status, WNOHANG) == pid_;
            if (!gone) ::usleep(20000);
        }
        if (!gone) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
        }
        pid_ = -1;
    }
    ::unlink(local_.c_str());
    ::unlink(log_.c_str());
}

}  // namespace ncbctl::ssh
