#include "ping_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

PingListener::PingListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error("ping listener: cannot listen on 127.0.0.1");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
}

PingListener::~PingListener() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
}

std::string PingListener::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<PingRequest> PingListener::requests() {
    std::lock_guard lock(mu_);
    return got_;
}

void PingListener::serve() {
    while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        std::string in;
        char buf[4096];
        std::size_t need = std::string::npos;
        for (;;) {
            pollfd q{c, POLLIN, 0};
            if (::poll(&q, 1, 5000) <= 0) break;
            const auto n = ::read(c, buf, sizeof buf);
            if (n <= 0) break;
            in.append(buf, static_cast<std::size_t>(n));
            const auto end = in.find("\r\n\r\n");
            if (end == std::string::npos) continue;
            if (need == std::string::npos) {
                std::size_t length = 0;
                const auto cl = in.find("Content-Length: ");
                if (cl != std::string::npos && cl < end) length = std::stoul(in.substr(cl + 16));
                need = end + 4 + length;
            }
            if (in.size() >= need) break;
        }
        const auto sp1 = in.find(' '), sp2 = in.find(' ', sp1 + 1), end = in.find("\r\n\r\n");
        if (sp1 != std::string::npos && sp2 != std::string::npos && end != std::string::npos) {
            std::lock_guard lock(mu_);
            got_.push_back({in.substr(0, sp1), in.substr(sp1 + 1, sp2 - sp1 - 1), in.substr(end + 4)});
        }
        const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK";
        (void)::write(c, reply.data(), reply.size());
        ::close(c);
    }
}
