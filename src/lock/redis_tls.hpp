#pragma once
// rediss://: one TLS connection to Redis (net::TlsStream), for the lock's few commands. Debian 12's hiredis
// 0.14 has no TLS, so only its protocol pieces are used here: redisFormatCommandArgv writes a command, a
// redisReader parses the reply. Every step (TCP connect, handshake, each write and read) is bounded by the
// caller's deadline, as on the plain redis:// connection (Ctrl-C does not cut them short). The
// certificate checks are TlsStream's; an untrusted one names lock.redis.tls.ca_file.
#include <memory>
#include <string>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"

struct redisReply;

namespace ncbctl::lock {

struct RedisTlsTarget {
    std::string host;
    int port = 6379;
    TlsOptions tls;
    std::string where;  // how messages name the server
};

class RedisTlsConnection {
public:
    struct ReplyFree {
        void operator()(redisReply* r) const;
    };
    using Reply = std::unique_ptr<redisReply, ReplyFree>;

    // Connects and completes the TLS handshake. A refused or unreachable server is Unreachable (transient), the
    // deadline Timeout (transient), a certificate or handshake refusal Auth (not transient: retrying cannot help).
    static Result<std::unique_ptr<RedisTlsConnection>> open(const RedisTlsTarget& target, const Deadline& deadline);
    ~RedisTlsConnection();
    RedisTlsConnection(const RedisTlsConnection&) = delete;
    RedisTlsConnection& operator=(const RedisTlsConnection&) = delete;

    // Sends one command and reads its whole reply. Any failure leaves the connection unusable (drop it).
    Result<Reply> call(const std::vector<std::string>& argv, const Deadline& deadline);

private:
    struct State;
    explicit RedisTlsConnection(std::unique_ptr<State> s);
    std::unique_ptr<State> s_;
};

}  // namespace ncbctl::lock
