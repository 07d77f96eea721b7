#include "net/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "ncbctl/cancel.hpp"
#include "net/sigpipe_guard.hpp"
#include "util/fd.hpp"

extern char** environ;

namespace ncbctl::net {
namespace {

using util::Fd;

bool make_pipe(Fd& r, Fd& w) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return false;
    r = Fd(p[0]);
    w = Fd(p[1]);
    return true;
}

std::vector<std::string> build_env(const ProcessOptions& o) {
    std::vector<std::string> out;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        std::string key(kv.substr(0, eq));
        if (o.env.contains(key)) continue;
        bool unset = false;
        for (const auto& u : o.unset_env) unset = unset || u == key;
        if (!unset) out.emplace_back(kv);
    }
    for (const auto& [k, v] : o.env) out.push_back(k + "=" + v);
    return out;
}

// After a kill the pipes can outlive the child: a multiplexed ssh client hands its stdio to the
// ControlMaster, which holds them until the remote command ends. Read this much longer, then stop.
constexpr Duration kReadGraceAfterKill{200};

// write() that reports EPIPE instead of raising SIGPIPE (which would end ncbctl).
ssize_t write_no_sigpipe(int fd, const char* data, std::size_t len) {
    const SigpipeGuard guard;
    return ::write(fd, data, len);
}

void append_capped(std::string& buf, std::string_view chunk, std::size_t cap) {
    buf.append(chunk);
    if (buf.size() > cap) buf.erase(0, buf.size() - cap);  // keep the tail: errors are at the end
}

}  // namespace

Result<ProcessResult> run_process(const ProcessOptions& opts, const Deadline& deadline) {
    if (opts.argv.empty()) return fail(ErrorCode::Internal, "run_process: empty argv");
    const auto started = Clock::now();

    Fd in_r, in_w, out_r, out_w, err_r, err_w;
    if (!make_pipe(in_r, in_w) || !make_pipe(out_r, out_w) || !make_pipe(err_r, err_w))
        return fail(ErrorCode::Io, std::string("pipe: ") + std::strerror(errno));
    Fd in_file;
    if (!opts.stdin_file.empty()) {
        in_file = Fd(::open(opts.stdin_file.c_str(), O_RDONLY | O_CLOEXEC));
        if (in_file.get() < 0)
            return fail(ErrorCode::Io, "cannot read " + opts.stdin_file + ": " + std::strerror(errno));
    }
    Fd out_file;
    if (!opts.stdout_file.empty()) {
        out_file = Fd(::open(opts.stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (out_file.get() < 0)
            return fail(ErrorCode::Io, "cannot write " + opts.stdout_file + ": " + std::strerror(errno));
    }

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_r.get(), 0);
    posix_spawn_file_actions_adddup2(&fa, out_file.get() >= 0 ? out_file.get() : out_w.get(), 1);
    posix_spawn_file_actions_adddup2(&fa, err_w.get(), 2);
    if (!opts.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, opts.cwd.c_str());

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGCHLD);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setpgroup(&attr, 0);  // own group: terminal Ctrl-C does not hit it, we kill it as a unit
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    std::vector<std::string> env_store = build_env(opts);
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_store = opts.argv;
    std::vector<char*> argv;
    for (auto& a : argv_store) argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        return fail(rc == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                    "cannot run " + opts.argv[0] + ": " + std::strerror(rc));
    }
    in_r.reset();
    out_w.reset();
    err_w.reset();
    out_file.reset();

    // stdin: written from the poll loop so a large input cannot deadlock against a full output pipe. The
    // file follows stdin_data through one 256 KiB buffer (refilled when written out).
    std::string in_buf = opts.stdin_data;
    std::size_t in_off = 0;
    auto refill = [&]() -> bool {  // false: nothing more to write
        if (in_off < in_buf.size()) return true;
        if (!in_file.valid()) return false;
        in_buf.resize(256U * 1024U);
        ssize_t got;
        do got = ::read(in_file.get(), in_buf.data(), in_buf.size());
        while (got < 0 && errno == EINTR);
        if (got <= 0) {
            in_file.reset();
            in_buf.clear();
            return false;
        }
        in_buf.resize(static_cast<std::size_t>(got));
        in_off = 0;
        return true;
    };
    if (!refill())
        in_w.reset();
    else
        ::fcntl(in_w.get(), F_SETFL, O_NONBLOCK);

    ProcessResult res;
    bool killed_for_timeout = false, killed_for_abort = false;
    constexpr Clock::time_point kNever = Clock::time_point::max();
    Clock::time_point sigkill_at = kNever;
    Clock::time_point stop_reading_at = kNever;
    int status = 0;
    bool exited = false;

    auto kill_group = [&](int sig) { ::kill(-pid, sig); };

    while (true) {
        std::array<pollfd, 3> fds{};
        nfds_t n = 0;
        int idx_out = -1, idx_err = -1, idx_in = -1;
        if (out_r.get() >= 0) {
            fds[n] = {out_r.get(), POLLIN, 0};
            idx_out = static_cast<int>(n++);
        }
        if (err_r.get() >= 0) {
            fds[n] = {err_r.get(), POLLIN, 0};
            idx_err = static_cast<int>(n++);
        }
        if (in_w.get() >= 0) {
            fds[n] = {in_w.get(), POLLOUT, 0};
            idx_in = static_cast<int>(n++);
        }
        if (n == 0) break;

        if (!killed_for_timeout && !killed_for_abort) {
            killed_for_timeout = deadline.expired();
            killed_for_abort = !killed_for_timeout && abort_requested();
            if (killed_for_timeout || killed_for_abort) {
                kill_group(SIGTERM);
                sigkill_at = Clock::now() + opts.kill_grace;
                stop_reading_at = Clock::now() + kReadGraceAfterKill;
            }
        } else {
            if (Clock::now() >= sigkill_at) {
                kill_group(SIGKILL);
                sigkill_at = kNever;
            }
            if (Clock::now() >= stop_reading_at) break;  // the reap below still kills
        }

        int wait_ms = 100;
        auto rem = deadline.remaining();
        if (rem < Duration(wait_ms)) wait_ms = static_cast<int>(std::max<long long>(1, rem.count()));
        const int pr = ::poll(fds.data(), n, wait_ms);
        if (pr < 0 && errno != EINTR) break;
        if (pr <= 0) continue;

        auto drain = [&](Fd& fd, std::string& sink, const std::function<void(std::string_view)>& cb) {
            char buf[65536];
            const ssize_t got = ::read(fd.get(), buf, sizeof buf);
            if (got <= 0) {
                if (got < 0 && (errno == EINTR || errno == EAGAIN)) return;
                fd.reset();
                return;
            }
            std::string_view chunk(buf, static_cast<std::size_t>(got));
            if (cb)
                cb(chunk);
            else
                append_capped(sink, chunk, opts.max_capture);
        };
        if (idx_out >= 0 && (fds[static_cast<std::size_t>(idx_out)].revents & (POLLIN | POLLHUP | POLLERR)))
            drain(out_r, res.out, opts.on_stdout);
        if (idx_err >= 0 && (fds[static_cast<std::size_t>(idx_err)].revents & (POLLIN | POLLHUP | POLLERR)))
            drain(err_r, res.err, opts.on_stderr);
        if (idx_in >= 0) {
            auto re = fds[static_cast<std::size_t>(idx_in)].revents;
            if (re & (POLLERR | POLLHUP)) {
                in_w.reset();
            } else if (re & POLLOUT) {
                const ssize_t w = write_no_sigpipe(in_w.get(), in_buf.data() + in_off, in_buf.size() - in_off);
                if (w > 0) in_off += static_cast<std::size_t>(w);
                if (w < 0 && errno != EAGAIN && errno != EINTR) in_w.reset();
                if (in_w.valid() && !refill()) in_w.reset();
            }
        }
    }

    // Pipes closed, or we stopped reading after a kill (closing our ends: a writer still holding them
    // gets EPIPE rather than our attention); reap the child, still honouring the deadline.
    out_r.reset();
    err_r.reset();
    in_w.reset();
    while (!exited) {
        const pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            exited = true;
            break;
        }
        if (w < 0 && errno != EINTR) break;
        if (!killed_for_timeout && !killed_for_abort && (deadline.expired() || abort_requested())) {
            (deadline.expired() ? killed_for_timeout : killed_for_abort) = true;
            kill_group(SIGTERM);
            sigkill_at = Clock::now() + opts.kill_grace;
        } else if (Clock::now() >= sigkill_at) {
            kill_group(SIGKILL);
            sigkill_at = kNever;
        }
        ::usleep(10000);
    }
    if (killed_for_timeout || killed_for_abort) kill_group(SIGKILL);  // leave no stray grandchildren

    res.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (exited) {
        if (WIFEXITED(status))
            res.exit_code = WEXITSTATUS(status);
        else if (WIFSIGNALED(status))
            res.term_signal = WTERMSIG(status);
    }
    if (killed_for_timeout)
        return fail(ErrorCode::Timeout, opts.argv[0] + " did not finish before its deadline; stopped it", true);
    if (killed_for_abort) return fail(ErrorCode::Cancelled, opts.argv[0] + " interrupted");
    return res;
}

}  // namespace ncbctl::net
