#include "lock/redis_client.hpp"

#include "lock/redis_tls.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>

namespace ncbctl::lock {
namespace {

using namespace std::chrono_literals;

timeval to_timeval(Duration d) {
    d = std::clamp<Duration>(d, Duration{1}, Duration{24h});
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(d.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
    return tv;
}

bool auth_refused(const std::string& err) {
    return err.starts_with("NOAUTH") || err.starts_with("WRONGPASS") || err.starts_with("ERR invalid password") ||
           err.starts_with("ERR invalid username-password") || err.starts_with("ERR AUTH") ||
           err.starts_with("ERR Client sent AUTH, but no password is set");
}

std::string first_line(std::string s) {
    if (auto nl = s.find_first_of("\r\n"); nl != std::string::npos) s.resize(nl);
    return s.substr(0, 200);
}

RedisReply convert(const redisReply& r) {
    RedisReply out;
    switch (r.type) {
        case REDIS_REPLY_STRING:
            out.type = RedisReply::Type::String;
            break;
        case REDIS_REPLY_STATUS:
            out.type = RedisReply::Type::Status;
            break;
        case REDIS_REPLY_ERROR:
            out.type = RedisReply::Type::Error;
            break;
        case REDIS_REPLY_INTEGER:
            out.type = RedisReply::Type::Integer;
            out.integer = r.integer;
            break;
        case REDIS_REPLY_ARRAY:
            out.type = RedisReply::Type::Array;
            break;
        default:
            out.type = RedisReply::Type::Nil;
            break;
    }
    if (out.type == RedisReply::Type::String || out.type == RedisReply::Type::Status ||
        out.type == RedisReply::Type::Error)
        out.str.assign(r.str, r.len);
    return out;
}

}  // namespace

void RedisClient::Free::operator()(redisContext* c) const {
    redisFree(c);
}

RedisClient::RedisClient(RedisEndpoint endpoint) : ep_(std::move(endpoint)) {}
RedisClient::~RedisClient() = default;

Status RedisClient::connect(const Deadline& deadline) {
    if (deadline.expired()) return fail(ErrorCode::Timeout, ep_.where + ": no time left to connect", true);
    if (ep_.tls) {
        auto t = RedisTlsConnection::open({ep_.host, ep_.port, ep_.tls_options, ep_.where},
                                          Deadline::after(std::min(deadline.remaining(), ep_.connect_timeout)));
        if (!t) return fail(t.error());
        tls_ = std::move(*t);
    } else if (auto st = connect_plain(deadline); !st) {
        return st;
    }
    return login(deadline);
}

Status RedisClient::connect_plain(const Deadline& deadline) {
    std::unique_ptr<redisContext, Free> c(redisConnectWithTimeout(
        ep_.host.c_str(), ep_.port, to_timeval(std::min(deadline.remaining(), ep_.connect_timeout))));
    if (!c) return fail(ErrorCode::Internal, ep_.where + ": cannot allocate a Redis connection");
    if (c->err != 0) {
        const std::string why = c->errstr;
        const bool timed_out = why.find("timed out") != std::string::npos;
        return fail(timed_out ? ErrorCode::Timeout : ErrorCode::Unreachable, ep_.where + ": cannot connect: " + why,
                    true);
    }
    ctx_ = std::move(c);
    return {};
}

Status RedisClient::login(const Deadline& deadline) {
    if (!ep_.password.empty()) {
        std::vector<std::string> auth{"AUTH"};
        if (!ep_.user.empty()) auth.push_back(ep_.user);
        auth.push_back(ep_.password);
        auto r = send(auth, deadline);
        if (!r) {
            drop();
            return fail(r.error());
        }
        if (r->type == RedisReply::Type::Error) {
            drop();
            // Redis's own text names neither the password nor the user's secret.
            return fail(ErrorCode::Auth, ep_.where + ": authentication refused (" + first_line(r->str) +
                                             "); check lock.redis.password" +
                                             (ep_.user.empty() ? "" : " and the user in lock.redis.url"));
        }
    }
    if (ep_.db != 0) {
        auto r = send({"SELECT", std::to_string(ep_.db)}, deadline);
        if (!r) {
            drop();
            return fail(r.error());
        }
        if (r->type == RedisReply::Type::Error) {
            drop();
            return fail(auth_refused(r->str) ? ErrorCode::Auth : ErrorCode::Remote,
                        ep_.where + ": SELECT " + std::to_string(ep_.db) + " refused: " + first_line(r->str));
        }
    }
    return {};
}

void RedisClient::drop() {
    ctx_.reset();
    tls_.reset();
}

Result<RedisReply> RedisClient::send(const std::vector<std::string>& argv, const Deadline& deadline) {
    if (deadline.expired()) {
        drop();
        return fail(ErrorCode::Timeout, ep_.where + ": timed out", true);
    }
    if (tls_) return send_tls(argv, deadline);
    if (redisSetTimeout(ctx_.get(), to_timeval(deadline.remaining())) != REDIS_OK) {
        ctx_.reset();
        return fail(ErrorCode::Unreachable, ep_.where + ": cannot set the command timeout", true);
    }
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (const auto& a : argv) {
        args.push_back(a.data());
        lens.push_back(a.size());
    }
    auto* raw =
        static_cast<redisReply*>(redisCommandArgv(ctx_.get(), static_cast<int>(args.size()), args.data(), lens.data()));
    if (raw == nullptr) {
        const std::string why = ctx_->errstr;
        const bool timed_out =
            why.find("temporarily unavailable") != std::string::npos || why.find("timed out") != std::string::npos;
        ctx_.reset();
        return fail(timed_out ? ErrorCode::Timeout : ErrorCode::Unreachable,
                    ep_.where + ": " + (why.empty() ? "connection lost" : why) + " (" + argv.front() + ")", true);
    }
    std::unique_ptr<redisReply, void (*)(void*)> reply(raw, freeReplyObject);
    return convert(*reply);
}

Result<RedisReply> RedisClient::send_tls(const std::vector<std::string>& argv, const Deadline& deadline) {
    auto reply = tls_->call(argv, deadline);
    if (!reply) {
        drop();
        return fail(reply.error());
    }
    return convert(**reply);
}

Result<RedisReply> RedisClient::command(const std::vector<std::string>& argv, const Deadline& deadline) {
    if (!connected()) {
        if (auto st = connect(deadline); !st) return fail(st.error());
    }
    auto r = send(argv, deadline);
    if (r && r->type == RedisReply::Type::Error && auth_refused(r->str))
        return fail(ErrorCode::Auth, ep_.where + ": authentication required or refused (" + first_line(r->str) +
                                         "); set lock.redis.password_env or password_file");
    return r;
}

}  // namespace ncbctl::lock
