#include "net/socket_stream.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "net/tcp_connect.hpp"

namespace ncbctl::net {
namespace {

Error broken(const std::string& where, std::string_view what) {
    return {ErrorCode::Unreachable, where + ": " + std::string(what) + ": " + std::strerror(errno), true};
}

bool retry_later() {
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

}  // namespace

SocketStream::SocketStream(util::Fd fd, std::string where) : fd_(std::move(fd)), where_(std::move(where)) {}

Result<std::unique_ptr<SocketStream>> SocketStream::connect_unix(const std::string& path, const std::string& where) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return fail(ErrorCode::Io, where + ": socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    util::Fd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    // A local connect completes at once (or is refused): no wait to bound.
    if (!s.valid() || ::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return fail(broken(where, "connect"));
    ::fcntl(s.get(), F_SETFL, O_NONBLOCK);
    return std::make_unique<SocketStream>(std::move(s), where);
}

Result<std::unique_ptr<SocketStream>> SocketStream::connect_tcp(const std::string& host, int port,
                                                                const std::string& where, const Deadline& d,
                                                                OnAbort on_abort) {
    auto fd = tcp_connect(host, port, where, d, on_abort);
    if (!fd) return fail(fd.error());
    return std::make_unique<SocketStream>(std::move(*fd), where);
}

Result<IoStep> SocketStream::try_read(char* buf, std::size_t size) {
    const ssize_t got = ::recv(fd_.get(), buf, size, 0);
    if (got > 0) return IoStep{.bytes = static_cast<std::size_t>(got)};
    if (got == 0) return IoStep{.eof = true};
    if (retry_later()) return IoStep{.want = POLLIN};
    return fail(broken(where_, "read"));
}

Result<IoStep> SocketStream::try_write(const char* data, std::size_t size) {
    const ssize_t w = ::send(fd_.get(), data, size, MSG_NOSIGNAL);
    if (w >= 0) return IoStep{.bytes = static_cast<std::size_t>(w)};
    if (retry_later()) return IoStep{.want = POLLOUT};
    return fail(broken(where_, "write"));
}

Result<IoStep> SocketStream::try_close_write() {
    if (::shutdown(fd_.get(), SHUT_WR) != 0 && errno != ENOTCONN) return fail(broken(where_, "shutdown"));
    return IoStep{.bytes = 1};
}

}  // namespace ncbctl::net
