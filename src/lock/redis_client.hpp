#pragma once
// A small synchronous Redis client over hiredis: one connection (one RAII owner of the redisContext), every
// call bounded by the caller's deadline (connect and each command), AUTH and SELECT done at connect. The
// password is handed in, used for AUTH and never put in a message. A command that fails on the connection
// (reset, timeout) drops it; the next call connects again. rediss:// goes through RedisTlsConnection (OpenSSL;
// Debian 12's hiredis has no TLS), with the same AUTH/SELECT and the same error mapping.
#include <memory>
#include <string>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"

struct redisContext;
struct redisReply;

namespace ncbctl::lock {

class RedisTlsConnection;

struct RedisEndpoint {
    std::string host;
    int port = 6379;
    int db = 0;
    std::string user;                 // ACL user; empty: AUTH with the password alone
    std::string password;             // empty: no AUTH
    std::string where;                // how messages name the server: "redis://host:port/db" (never the password)
    Duration connect_timeout{10000};  // timeouts.connect; a call's deadline can only shorten it
    bool tls = false;                 // rediss://
    TlsOptions tls_options;           // for tls: verify, ca_file, client cert_file/key_file
};

struct RedisReply {
    enum class Type { Nil, String, Integer, Status, Array, Error };
    Type type = Type::Nil;
    std::string str;  // String, Status, Error
    long long integer = 0;
};

class RedisClient {
public:
    explicit RedisClient(RedisEndpoint endpoint);
    ~RedisClient();
    RedisClient(const RedisClient&) = delete;
    RedisClient& operator=(const RedisClient&) = delete;

    // Connects (when not connected) and sends one command. An error reply is a value (Type::Error), except
    // NOAUTH/WRONGPASS (ErrorCode::Auth); connection problems are Unreachable or Timeout (transient).
    Result<RedisReply> command(const std::vector<std::string>& argv, const Deadline& deadline);
    [[nodiscard]] const std::string& where() const { return ep_.where; }

private:
    Status connect(const Deadline& deadline);
    Status connect_plain(const Deadline& deadline);
    Status login(const Deadline& deadline);  // AUTH and SELECT on a new connection
    Result<RedisReply> send(const std::vector<std::string>& argv, const Deadline& deadline);
    Result<RedisReply> send_tls(const std::vector<std::string>& argv, const Deadline& deadline);
    [[nodiscard]] bool connected() const { return ctx_ != nullptr || tls_ != nullptr; }
    void drop();
    struct Free {
        void operator()(redisContext* c) const;
    };
    RedisEndpoint ep_;
    std::unique_ptr<redisContext, Free> ctx_;
    std::unique_ptr<RedisTlsConnection> tls_;
};

}  // namespace ncbctl::lock
