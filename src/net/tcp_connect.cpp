#include "net/tcp_connect.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace ncbctl::net {

Result<util::Fd> tcp_connect(const std::string& host, int port, const std::string& where, const Deadline& d,
                             OnAbort on_abort) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0)
        return fail(ErrorCode::Unreachable, where + ": cannot resolve " + host + ": " + gai_strerror(rc), true);
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, freeaddrinfo);
    std::string why = "no address";
    for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
        util::Fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
        if (!fd.valid()) {
            why = std::strerror(errno);
            continue;
        }
        if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) return fd;
        if (errno != EINPROGRESS) {
            why = std::strerror(errno);
            continue;
        }
        auto ready = wait_fd(fd.get(), POLLOUT, d, on_abort);
        if (!ready)
            return fail(ready.error().code, where + ": cannot connect: " + ready.error().message,
                        ready.error().transient);
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0) return fd;
        why = std::strerror(err);
    }
    return fail(ErrorCode::Unreachable, where + ": cannot connect: " + why, true);
}

}  // namespace ncbctl::net
