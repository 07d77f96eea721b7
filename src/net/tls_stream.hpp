#pragma once
// A TLS client connection (OpenSSL) over a non-blocking TCP socket, as a ByteStream: for what libcurl does
// not carry, the rediss:// lock and the Docker exec's hijacked stream over tcp:// + TLS. The server's
// certificate is verified against tls.ca_file (else the system's CAs) and the host name or IP address
// connected to, unless tls.verify is false; a client certificate is sent when cert_file/key_file are set.
// TLS 1.2 at least. The connect and the handshake are bounded by the deadline (and end on abort with
// OnAbort::Stop); later steps never block. Ending the write side sends close_notify, then shuts the
// socket's write side down; reading goes on until the server closes. Nothing here raises SIGPIPE.
// Failure semantics: open: Unreachable/Timeout (transient) for the TCP connect or a handshake the server
// cut short or let run into the deadline, Auth (not transient) for an untrusted certificate (naming
// `ca_key`) or a handshake the server refused, Inventory for CA or client certificate files that cannot be
// used. Steps: Unreachable (transient) when the stream breaks. Messages start with `where`, one line.
#include <memory>
#include <string>

#include "ncbctl/inventory.hpp"
#include "net/byte_stream.hpp"

namespace ncbctl::net {

struct TlsTarget {
    std::string host;
    int port = 0;
    TlsOptions tls;
    std::string where;   // how messages name the server
    std::string ca_key;  // the setting that names the CA, in the "not trusted" message
    OnAbort on_abort = OnAbort::Ignore;
};

class TlsStream final : public ByteStream {
public:
    static Result<std::unique_ptr<TlsStream>> open(const TlsTarget& target, const Deadline& deadline);
    ~TlsStream() override;

    Result<IoStep> try_read(char* buf, std::size_t size) override;
    Result<IoStep> try_write(const char* data, std::size_t size) override;
    Result<IoStep> try_close_write() override;
    [[nodiscard]] int fd() const override;
    [[nodiscard]] const std::string& where() const override;

private:
    struct State;
    explicit TlsStream(std::unique_ptr<State> s);
    std::unique_ptr<State> s_;
};

}  // namespace ncbctl::net
