#pragma once
// A ByteStream over a plain connected socket: a unix socket (the Docker engine's, or an ssh:// forward of
// it) or TCP. Ending the write side is shutdown(SHUT_WR); writes never raise SIGPIPE (MSG_NOSIGNAL).
// Failure semantics: connects are Unreachable (transient) when refused or absent, Timeout/Cancelled as
// tcp_connect; a broken stream is Unreachable. Messages start with `where`.
#include <memory>
#include <string>

#include "net/byte_stream.hpp"
#include "util/fd.hpp"

namespace ncbctl::net {

class SocketStream final : public ByteStream {
public:
    SocketStream(util::Fd fd, std::string where);
    static Result<std::unique_ptr<SocketStream>> connect_unix(const std::string& path, const std::string& where);
    static Result<std::unique_ptr<SocketStream>> connect_tcp(const std::string& host, int port,
                                                             const std::string& where, const Deadline& deadline,
                                                             OnAbort on_abort);

    Result<IoStep> try_read(char* buf, std::size_t size) override;
    Result<IoStep> try_write(const char* data, std::size_t size) override;
    Result<IoStep> try_close_write() override;
    [[nodiscard]] int fd() const override { return fd_.get(); }
    [[nodiscard]] const std::string& where() const override { return where_; }

private:
    util::Fd fd_;
    std::string where_;
};

}  // namespace ncbctl::net
