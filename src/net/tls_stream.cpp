#include "net/tls_stream.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/sigpipe_guard.hpp"
#include "net/tcp_connect.hpp"
#include "util/fd.hpp"

namespace ncbctl::net {
namespace {

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

// The peer went away without close_notify (OpenSSL 3 says so with its own reason code).
bool unexpected_eof() {
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
    const unsigned long e = ERR_peek_error();
    return ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
#else
    return false;
#endif
}

struct CtxFree {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using Ctx = std::unique_ptr<SSL_CTX, CtxFree>;

// The context of one connection: TLS 1.2+, the CAs to trust (or none checked), the client certificate.
Result<Ctx> make_context(const TlsTarget& t) {
    Ctx ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx) return fail(ErrorCode::Internal, t.where + ": cannot create a TLS context");
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (t.tls.verify) {
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
        const bool loaded = t.tls.ca_file.empty()
                                ? SSL_CTX_set_default_verify_paths(ctx.get()) == 1
                                : SSL_CTX_load_verify_locations(ctx.get(), t.tls.ca_file.c_str(), nullptr) == 1;
        if (!loaded)
            return fail(ErrorCode::Inventory, t.where + ": cannot read the CA certificates " +
                                                  (t.tls.ca_file.empty() ? "of the system" : t.tls.ca_file) + ": " +
                                                  ssl_error_text());
    }
    if (!t.tls.cert_file.empty()) {
        if (SSL_CTX_use_certificate_chain_file(ctx.get(), t.tls.cert_file.c_str()) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx.get(), t.tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx.get()) != 1)
            return fail(ErrorCode::Inventory, t.where + ": cannot use the client certificate " + t.tls.cert_file +
                                                  " with its key: " + ssl_error_text());
    }
    return ctx;
}

}  // namespace

struct TlsStream::State {
    util::Fd fd;
    Ctx ctx;
    SSL* ssl = nullptr;
    std::string where;
    bool sent_close = false;
    ~State() {
        if (ssl != nullptr) SSL_free(ssl);
    }

    // What an SSL call's result `r` means as one step.
    Result<IoStep> step(int r, std::string_view what) {
        if (r > 0) return IoStep{.bytes = static_cast<std::size_t>(r)};
        const int saved = errno;
        switch (SSL_get_error(ssl, r)) {
            case SSL_ERROR_WANT_READ:
                return IoStep{.want = POLLIN};
            case SSL_ERROR_WANT_WRITE:
                return IoStep{.want = POLLOUT};
            case SSL_ERROR_ZERO_RETURN:
                return IoStep{.eof = true};
            case SSL_ERROR_SYSCALL:
                if (ERR_peek_error() != 0) break;
                if (saved == 0) return IoStep{.eof = true};
                return fail(ErrorCode::Unreachable, where + ": " + std::string(what) + ": " + std::strerror(saved),
                            true);
            default:
                if (unexpected_eof()) {
                    ERR_clear_error();
                    return IoStep{.eof = true};
                }
                break;
        }
        return fail(ErrorCode::Unreachable, where + ": " + std::string(what) + ": " + ssl_error_text(), true);
    }
};

TlsStream::TlsStream(std::unique_ptr<State> s) : s_(std::move(s)) {}
TlsStream::~TlsStream() = default;

Result<std::unique_ptr<TlsStream>> TlsStream::open(const TlsTarget& t, const Deadline& d) {
    auto s = std::make_unique<State>();
    s->where = t.where;
    auto ctx = make_context(t);
    if (!ctx) return fail(ctx.error());
    s->ctx = std::move(*ctx);
    auto fd = tcp_connect(t.host, t.port, t.where, d, t.on_abort);
    if (!fd) return fail(fd.error());
    s->fd = std::move(*fd);
    s->ssl = SSL_new(s->ctx.get());
    if (s->ssl == nullptr || SSL_set_fd(s->ssl, s->fd.get()) != 1)
        return fail(ErrorCode::Internal, t.where + ": cannot set up TLS on the connection");
    if (t.tls.verify) {
        X509_VERIFY_PARAM* param = SSL_get0_param(s->ssl);
        const int ok = is_ip(t.host) ? X509_VERIFY_PARAM_set1_ip_asc(param, t.host.c_str())
                                     : X509_VERIFY_PARAM_set1_host(param, t.host.c_str(), 0);
        if (ok != 1) return fail(ErrorCode::Internal, t.where + ": cannot set the name to verify");
    }
    if (!is_ip(t.host))  // SNI (SSL_set_tlsext_host_name is a macro with a C cast)
        SSL_ctrl(s->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(t.host.c_str()));
    for (;;) {
        ERR_clear_error();
        int r = 0;
        {
            const SigpipeGuard guard;
            r = SSL_connect(s->ssl);
        }
        auto st = s->step(r, "TLS handshake");
        if (st && st->bytes > 0) break;
        if (st && st->want != 0) {
            auto w = wait_fd(s->fd.get(), st->want, d, t.on_abort);
            if (w) continue;
            return fail(w.error().code, t.where + ": " + w.error().message + " (TLS handshake)", w.error().transient);
        }
        const long v = SSL_get_verify_result(s->ssl);
        if (v != X509_V_OK)
            return fail(ErrorCode::Auth, t.where + ": the server's certificate is not trusted (" +
                                             X509_verify_cert_error_string(v) + "); set " + t.ca_key +
                                             " to the CA that signed it");
        // Not transient either way: the server refused this client's TLS (or speaks no TLS on this port).
        if (st) return fail(ErrorCode::Auth, t.where + ": connection closed by the server (TLS handshake)");
        return fail(ErrorCode::Auth, st.error().message);
    }
    return std::unique_ptr<TlsStream>(new TlsStream(std::move(s)));
}

Result<IoStep> TlsStream::try_read(char* buf, std::size_t size) {
    ERR_clear_error();
    const SigpipeGuard guard;  // a read can write too (a key update's answer)
    return s_->step(SSL_read(s_->ssl, buf, static_cast<int>(std::min<std::size_t>(size, 1U << 30))), "read");
}

Result<IoStep> TlsStream::try_write(const char* data, std::size_t size) {
    ERR_clear_error();
    const SigpipeGuard guard;
    return s_->step(SSL_write(s_->ssl, data, static_cast<int>(std::min<std::size_t>(size, 1U << 30))), "write");
}

Result<IoStep> TlsStream::try_close_write() {
    if (!s_->sent_close) {
        ERR_clear_error();
        int r = 0;
        {
            const SigpipeGuard guard;
            r = SSL_shutdown(s_->ssl);  // 0: close_notify sent, the server's not seen yet; 1: both
        }
        if (r < 0) {
            auto st = s_->step(r, "close");
            if (!st || st->want != 0) return st;
        }
        s_->sent_close = true;
    }
    if (::shutdown(s_->fd.get(), SHUT_WR) != 0 && errno != ENOTCONN)
        return fail(ErrorCode::Unreachable, s_->where + ": shutdown: " + std::strerror(errno), true);
    return IoStep{.bytes = 1};
}

int TlsStream::fd() const {
    return s_->fd.get();
}
const std::string& TlsStream::where() const {
    return s_->where;
}

}  // namespace ncbctl::net
