#include "lock/redis_ping.hpp"

#include <netdb.h>
#include <sys/socket.h>

namespace ncbctl::lock {

Status ping_redis(RedisEndpoint ep, const Deadline& deadline) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(ep.host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr)
        return fail(ErrorCode::NotFound, "its host name does not resolve on this machine");
    freeaddrinfo(found);
    ep.where = "Redis";
    RedisClient client(std::move(ep));
    auto r = client.command({"PING"}, deadline);
    if (!r) {
        if (r.error().code == ErrorCode::Auth) return fail(ErrorCode::Auth, "Redis refused the URL's credentials");
        return fail(r.error());
    }
    if (r->type == RedisReply::Type::Error) {
        const bool noauth = r->str.starts_with("NOAUTH");
        return fail(noauth ? ErrorCode::Auth : ErrorCode::Protocol,
                    noauth ? std::string("Redis wants a password the URL does not give")
                           : "Redis answered PING with an error: " + r->str.substr(0, r->str.find_first_of("\r\n")));
    }
    if (r->type != RedisReply::Type::Status || r->str != "PONG")
        return fail(ErrorCode::Protocol, "the server answered PING with something else than PONG: not a Redis?");
    return {};
}

}  // namespace ncbctl::lock
