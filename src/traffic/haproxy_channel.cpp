// Two ways to reach the admin socket. Locally we talk to it directly (no socat process per command: a
// state change costs one connect/write/read); remotely through the runner with socat on the LB host.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "net/process.hpp"
#include "traffic/haproxy_runtime.hpp"
#include "util/fd.hpp"
#include "util/plain_path.hpp"
#include "util/quote.hpp"

namespace ncbctl::traffic {
namespace {

constexpr std::size_t kMaxReply = 8U * 1024U * 1024U;

int poll_ms(const Deadline& d) {
    auto ms = d.remaining().count();
    return ms > 60000 ? 60000 : static_cast<int>(ms);
}

class LocalChannel final : public HaproxyChannel {
public:
    explicit LocalChannel(std::string path) : path_(std::move(path)) {}

    [[nodiscard]] std::string where() const override { return "haproxy socket " + path_ + " (local)"; }

    Result<std::string> send(const std::string& line, const Deadline& deadline) override {
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        if (path_.size() >= sizeof(addr.sun_path))
            return fail(ErrorCode::Inventory, "traffic.socket " + path_ + " is longer than a unix socket path can be");
        std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
        util::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        if (!fd.valid())
            return fail(ErrorCode::Io, "cannot create a unix socket: " + std::string(std::strerror(errno)));
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockaddr API
        if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0 && errno != EINPROGRESS &&
            errno != EAGAIN) {
            const int e = errno;
            std::string why = e == ENOENT         ? "is missing"
                              : e == ECONNREFUSED ? "refuses connections"
                                                  : std::string("cannot be reached: ") + std::strerror(e);
            const bool transient = e == ENOENT || e == ECONNREFUSED || e == EAGAIN;
            return fail(ErrorCode::Unreachable,
                        where() + " " + why + "; is HAProxy running with 'stats socket " + path_ + " level admin'?",
                        transient);
        }
        const std::string msg = line + "\n";
        std::size_t off = 0;
        std::string reply;
        char buf[16384];
        bool reading = false;
        while (true) {
            if (deadline.expired()) return fail(ErrorCode::Timeout, where() + " did not answer in time", true);
            pollfd p{fd.get(), static_cast<short>(reading ? POLLIN : POLLOUT), 0};
            const int n = ::poll(&p, 1, poll_ms(deadline));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return fail(ErrorCode::Io, where() + ": poll failed: " + std::strerror(errno));
            if (n == 0) continue;
            if (!reading) {
                const ssize_t w = ::send(fd.get(), msg.data() + off, msg.size() - off, MSG_NOSIGNAL);
                if (w < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                if (w < 0)
                    return fail(ErrorCode::Unreachable, where() + ": write failed: " + std::strerror(errno), true);
                off += static_cast<std::size_t>(w);
                reading = off == msg.size();
                continue;
            }
            const ssize_t r = ::read(fd.get(), buf, sizeof(buf));
            if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (r < 0) return fail(ErrorCode::Unreachable, where() + ": read failed: " + std::strerror(errno), true);
            if (r == 0) return reply;  // HAProxy closes after answering a non-interactive command line
            reply.append(buf, static_cast<std::size_t>(r));
            if (reply.size() > kMaxReply) return fail(ErrorCode::Protocol, where() + " answered more than 8 MiB");
        }
    }

private:
    std::string path_;
};

class RunnerChannel final : public HaproxyChannel {
public:
    RunnerChannel(std::string path, std::unique_ptr<CommandRunner> runner)
        : path_(std::move(path)), runner_(std::move(runner)) {}

    [[nodiscard]] std::string where() const override { return "haproxy socket " + path_ + " on " + runner_->where(); }

    Result<std::string> send(const std::string& line, const Deadline& deadline) override {
        // The path becomes part of socat's address syntax: anything but a plain path could add options
        // (`,unlink-close` deletes a file); refused whoever built this channel, not only the inventory loader.
        if (!util::is_plain_path(path_))
            return fail(ErrorCode::Inventory, "traffic.haproxy.socket " + util::quote(path_) +
                                                  " is not a plain path (" + std::string(util::kPlainPathChars) +
                                                  "); socat would read the rest as address options");
        auto r = runner_->run({"socat", "-t", "5", "-", "UNIX-CONNECT:" + path_}, line + "\n", deadline);
        if (!r) return fail(r.error().with_context(where() + ": "));
        if (r->exit_code == 0) return std::move(r->out);
        const std::string err = net::last_lines(r->err);
        if (r->exit_code == 127 || err.find("not found") != std::string::npos)
            return fail(ErrorCode::Unsupported, where() + ": socat is not installed there; install it (" + err + ")");
        const bool missing = err.find("No such file") != std::string::npos;
        const bool refused = err.find("Connection refused") != std::string::npos;
        if (missing || refused)
            return fail(ErrorCode::Unreachable,
                        where() + (missing ? " is missing" : " refuses connections") +
                            "; is HAProxy running with 'stats socket " + path_ + " level admin'?",
                        true);
        return fail(ErrorCode::Remote, where() + ": socat exited " + std::to_string(r->exit_code) + ": " + err);
    }

private:
    std::string path_;
    std::unique_ptr<CommandRunner> runner_;
};

}  // namespace

std::unique_ptr<HaproxyChannel> make_local_haproxy_channel(std::string socket_path) {
    return std::make_unique<LocalChannel>(std::move(socket_path));
}

std::unique_ptr<HaproxyChannel> make_runner_haproxy_channel(std::string socket_path,
                                                            std::unique_ptr<CommandRunner> runner) {
    return std::make_unique<RunnerChannel>(std::move(socket_path), std::move(runner));
}

}  // namespace ncbctl::traffic
