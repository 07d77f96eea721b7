#include "lock/redis_tls.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ncbctl::lock {
namespace {

int poll_ms(const Deadline& d) {
    const auto left = d.remaining().count();
    return static_cast<int>(std::clamp<long long>(left, 0, 24LL * 3600 * 1000));
}

// Waits until fd is readable (in) or writable; false when the deadline passed first.
bool wait_fd(int fd, bool in, const Deadline& d) {
    for (;;) {
        pollfd p{fd, static_cast<short>(in ? POLLIN : POLLOUT), 0};
        const int ms = poll_ms(d);
        if (ms <= 0) return false;
        const int r = ::poll(&p, 1, ms);
        if (r > 0) return true;
        if (r == 0) return false;
        if (errno != EINTR) return true;  // let the next read/write report the error
    }
}

std::string ssl_error_text() {
    std::string out;
    while (const unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out.empty() ? std::string("TLS error") : out;
}

bool is_ip(const std::string& host) {
    unsigned char buf[16];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// A non-blocking TCP connection to host:port, or why not.
Result<int> tcp_connect(const RedisTlsTarget& t, const Deadline& d) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string port = std::to_string(t.port);
    if (int rc = ::getaddrinfo(t.host.c_str(), port.c_str(), &hints, &res); rc != 0)
        return fail(ErrorCode::Unreachable, t.where + ": cannot resolve " + t.host + ": " + gai_strerror(rc), true);
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, freeaddrinfo);
    std::string why = "no address";
    for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            why = std::strerror(errno);
            continue;
        }
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) return fd;
        if (errno == EINPROGRESS) {
            if (!wait_fd(fd, false, d)) {
                ::close(fd);
                return fail(ErrorCode::Timeout, t.where + ": cannot connect: timed out", true);
            }
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err == 0) return fd;
            why = std::strerror(err);
        } else {
            why = std::strerror(errno);
        }
        ::close(fd);
    }
    return fail(ErrorCode::Unreachable, t.where + ": cannot connect: " + why, true);
}

}  // namespace

void RedisTlsConnection::ReplyFree::operator()(redisReply* r) const {
    freeReplyObject(r);
}

struct RedisTlsConnection::State {
    int fd = -1;
    SSL_CTX* ctx = nullptr;
    SSL* ssl = nullptr;
    redisReader* reader = nullptr;
    std::string where;
    ~State() {
        if (ssl != nullptr) SSL_free(ssl);
        if (ctx != nullptr) SSL_CTX_free(ctx);
        if (fd >= 0) ::close(fd);
        if (reader != nullptr) redisReaderFree(reader);
    }
    // One SSL call that may want the socket readable or writable: waits and retries until done or deadline.
    // Returns the call's positive result, or 0 with `err` set.
    template <class F>
    int io(F&& f, const Deadline& d, std::string_view what, Error& err) {
        for (;;) {
            ERR_clear_error();
            const int r = f();
            if (r > 0) return r;
            const int e = SSL_get_error(ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                if (wait_fd(fd, e == SSL_ERROR_WANT_READ, d)) continue;
                err = {ErrorCode::Timeout, where + ": timed out (" + std::string(what) + ")", true};
                return 0;
            }
            if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
                err = {ErrorCode::Unreachable, where + ": connection closed by the server (" + std::string(what) + ")",
                       true};
            else
                err = {ErrorCode::Unreachable, where + ": " + ssl_error_text() + " (" + std::string(what) + ")", true};
            return 0;
        }
    }
};

RedisTlsConnection::RedisTlsConnection(std::unique_ptr<State> s) : s_(std::move(s)) {}
RedisTlsConnection::~RedisTlsConnection() = default;

Result<std::unique_ptr<RedisTlsConnection>> RedisTlsConnection::open(const RedisTlsTarget& t, const Deadline& d) {
    auto s = std::make_unique<State>();
    s->where = t.where;
    auto fd = tcp_connect(t, d);
    if (!fd) return fail(fd.error());
    s->fd = *fd;
    s->ctx = SSL_CTX_new(TLS_client_method());
    if (s->ctx == nullptr) return fail(ErrorCode::Internal, t.where + ": cannot create a TLS context");
    SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
    if (!t.tls.verify)
        spdlog::warn(
            "{}: TLS verification is DISABLED (lock.redis.tls.verify: false): anyone on the path can "
            "pose as this Redis and hand out the cluster lock",
            t.where);
    if (t.tls.verify) {
        SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, nullptr);
        const bool loaded = t.tls.ca_file.empty()
                                ? SSL_CTX_set_default_verify_paths(s->ctx) == 1
                                : SSL_CTX_load_verify_locations(s->ctx, t.tls.ca_file.c_str(), nullptr) == 1;
        if (!loaded)
            return fail(ErrorCode::Inventory, t.where + ": cannot read the CA certificates " +
                                                  (t.tls.ca_file.empty() ? "of the system" : t.tls.ca_file) + ": " +
                                                  ssl_error_text());
    }
    if (!t.tls.cert_file.empty()) {
        if (SSL_CTX_use_certificate_chain_file(s->ctx, t.tls.cert_file.c_str()) != 1 ||
            SSL_CTX_use_PrivateKey_file(s->ctx, t.tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(s->ctx) != 1)
            return fail(ErrorCode::Inventory, t.where + ": cannot use the client certificate " + t.tls.cert_file +
                                                  " with its key: " + ssl_error_text());
    }
    s->ssl = SSL_new(s->ctx);
    if (s->ssl == nullptr || SSL_set_fd(s->ssl, s->fd) != 1)
        return fail(ErrorCode::Internal, t.where + ": cannot set up TLS on the connection");
    if (t.tls.verify) {
        X509_VERIFY_PARAM* param = SSL_get0_param(s->ssl);
        const int ok = is_ip(t.host) ? X509_VERIFY_PARAM_set1_ip_asc(param, t.host.c_str())
                                     : X509_VERIFY_PARAM_set1_host(param, t.host.c_str(), 0);
        if (ok != 1) return fail(ErrorCode::Internal, t.where + ": cannot set the name to verify");
    }
    if (!is_ip(t.host))  // SNI (SSL_set_tlsext_host_name is a macro with a C cast)
        SSL_ctrl(s->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(t.host.c_str()));
    Error err;
    if (s->io([&] { return SSL_connect(s->ssl); }, d, "TLS handshake", err) <= 0) {
        const long v = SSL_get_verify_result(s->ssl);
        if (v != X509_V_OK)
            return fail(ErrorCode::Auth, t.where + ": the server's certificate is not trusted (" +
                                             X509_verify_cert_error_string(v) +
                                             "); set lock.redis.tls.ca_file to the CA that signed it");
        if (err.code == ErrorCode::Timeout) return fail(err);
        return fail(ErrorCode::Auth, err.message);  // not transient: the server refused this client's TLS
    }
    s->reader = redisReaderCreate();
    if (s->reader == nullptr) return fail(ErrorCode::Internal, t.where + ": cannot allocate a reply reader");
    return std::unique_ptr<RedisTlsConnection>(new RedisTlsConnection(std::move(s)));
}

Result<RedisTlsConnection::Reply> RedisTlsConnection::call(const std::vector<std::string>& argv, const Deadline& d) {
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (const auto& a : argv) {
        args.push_back(a.data());
        lens.push_back(a.size());
    }
    char* raw = nullptr;
    const int n = redisFormatCommandArgv(&raw, static_cast<int>(args.size()), args.data(), lens.data());
    if (n < 0 || raw == nullptr) return fail(ErrorCode::Internal, s_->where + ": cannot format a command");
    std::unique_ptr<char, void (*)(char*)> cmd(raw, [](char* p) { redisFreeCommand(p); });
    Error err;
    for (int off = 0; off < n;) {
        const int w = s_->io([&] { return SSL_write(s_->ssl, cmd.get() + off, n - off); }, d, argv.front(), err);
        if (w <= 0) return fail(err);
        off += w;
    }
    for (;;) {
        void* reply = nullptr;
        if (redisReaderGetReply(s_->reader, &reply) != REDIS_OK)
            return fail(ErrorCode::Protocol,
                        s_->where + ": unreadable reply to " + argv.front() + ": " + std::string(s_->reader->errstr));
        if (reply != nullptr) return Reply(static_cast<redisReply*>(reply));
        char buf[16384];
        const int r = s_->io([&] { return SSL_read(s_->ssl, buf, sizeof buf); }, d, argv.front(), err);
        if (r <= 0) return fail(err);
        if (redisReaderFeed(s_->reader, buf, static_cast<size_t>(r)) != REDIS_OK)
            return fail(ErrorCode::Protocol, s_->where + ": unreadable reply to " + argv.front());
    }
}

}  // namespace ncbctl::lock
