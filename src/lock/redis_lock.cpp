// The Redis lock: key lock.redis.key, value "<token> <holder JSON>", where the token is random and new at
// every acquisition, so two processes of one run id (a run and its resume) never take each other's lock.
//   acquire  SET key value NX PX stale_after          (the key vanishes by itself stale_after after the
//                                                        last renewal: a dead holder blocks nobody longer)
//   renew    EVAL: if the value starts with our token, SET key new-value PX stale_after  (compare-and-extend)
//   release  EVAL: if the value starts with our token, DEL key                          (compare-and-delete)
//   break    EVAL: DEL key only if its value is still exactly the one judged stale
// A renewal that finds another token (or no key) is ErrorCode::Lock: the run stops starting steps. A
// renewal that cannot reach Redis is Unreachable/Timeout: ClusterLock keeps trying and stops the run from
// starting new steps once the lock was not renewed for stale_after/2 (src/run/cluster_lock.hpp).
#include "lock/redis_lock.hpp"

#include <chrono>
#include <ctime>
#include <mutex>
#include <random>

#include "lock/redis_client.hpp"
#include "util/lock_holder_json.hpp"

namespace ncbctl::lock {
namespace {

const char* const kRenew =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then\n"
    "  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1\n"
    "end\n"
    "return 0\n";
// 1: deleted or already free; 0: someone else's.
const char* const kRelease =
    "local v = redis.call('GET', KEYS[1])\n"
    "if not v then return 1 end\n"
    "if string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end\n"
    "return 0\n";
const char* const kBreak =
    "local v = redis.call('GET', KEYS[1])\n"
    "if not v then return 1 end\n"
    "if v == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end\n"
    "return 0\n";

std::string new_token() {
    std::random_device rd;  // getrandom(2)
    static const char* const hex = "0123456789abcdef";
    std::string t;
    for (int i = 0; i < 4; ++i) {
        const auto v = rd();
        for (int b = 0; b < 8; ++b) t += hex[(v >> (b * 4)) & 0xf];
    }
    return t;
}

std::string where_of(const RedisLockSpec& r) {
    const bool v6 = r.host.find(':') != std::string::npos;
    return std::string(r.tls ? "rediss://" : "redis://") + (r.user.empty() ? "" : r.user + "@") +
           (v6 ? "[" + r.host + "]" : r.host) + ":" + std::to_string(r.port) + "/" + std::to_string(r.db);
}

class RedisLock final : public LockBackend {
public:
    explicit RedisLock(const Inventory& inv)
        : spec_(inv.lock.redis),
          ttl_ms_(std::chrono::milliseconds(inv.lock.stale_after).count()),
          connect_(std::chrono::duration_cast<Duration>(inv.timeouts.connect)) {}

    Result<std::optional<LockHolder>> try_acquire(const LockHolder& me, const Deadline& d) override {
        std::lock_guard lock(mu_);
        LockHolder h = me;
        h.heartbeat = std::time(nullptr);
        if (h.started == 0) h.started = h.heartbeat;
        const std::string token = new_token();
        // A holder that releases between our SET and our GET makes us try again (three times at most).
        for (int attempt = 0; attempt < 3; ++attempt) {
            auto r = call({"SET", spec_.key, encode_lock_value(token, h), "NX", "PX", std::to_string(ttl_ms_)}, d);
            if (!r) return fail(r.error());
            if (r->type == RedisReply::Type::Status && r->str == "OK") {
                token_ = token;
                return std::optional<LockHolder>{};
            }
            if (r->type != RedisReply::Type::Nil) return fail(unexpected(*r, "SET NX"));
            auto held = read_locked(d);
            if (!held) return fail(held.error());
            if (held->has_value()) return held;
        }
        return fail(ErrorCode::Conflict, where() + ": the lock " + spec_.key + " keeps changing hands; try again");
    }

    Status heartbeat(const LockHolder& me, const Deadline& d) override {
        std::lock_guard lock(mu_);
        if (token_.empty()) return fail(ErrorCode::Lock, "the cluster lock is not held by this run");
        LockHolder h = me;
        h.heartbeat = std::time(nullptr);
        auto r = call(
            {"EVAL", kRenew, "1", spec_.key, token_ + " ", encode_lock_value(token_, h), std::to_string(ttl_ms_)}, d);
        if (!r) return fail(r.error());
        if (r->type != RedisReply::Type::Integer) return fail(unexpected(*r, "renew"));
        if (r->integer != 1)
            return fail(ErrorCode::Lock, where() + ": the cluster lock " + spec_.key + " is no longer held by run " +
                                             me.run_id + " (expired or broken: `ncbctl lock status`); stopping");
        return {};
    }

    Status release(const LockHolder& me, const Deadline& d) override {
        std::lock_guard lock(mu_);
        // Without a token of ours nothing can match: "\n" starts no value we write.
        const std::string mine = token_.empty() ? "\n" : token_ + " ";
        auto r = call({"EVAL", kRelease, "1", spec_.key, mine}, d);
        if (!r) return fail(r.error());
        if (r->type != RedisReply::Type::Integer) return fail(unexpected(*r, "release"));
        if (r->integer != 1)
            return fail(ErrorCode::Lock, where() + ": cannot release lock " + spec_.key +
                                             ": it is no longer held by run " + me.run_id + " (taken over)");
        token_.clear();
        return {};
    }

    Result<std::optional<LockHolder>> read(const Deadline& d) override {
        std::lock_guard lock(mu_);
        return read_locked(d);
    }

    Status break_lock(const LockHolder& stale, const Deadline& d) override {
        std::lock_guard lock(mu_);
        auto raw = call({"GET", spec_.key}, d);
        if (!raw) return fail(raw.error());
        if (raw->type == RedisReply::Type::Nil) return {};  // gone already (expired)
        if (raw->type != RedisReply::Type::String) return fail(unexpected(*raw, "GET"));
        auto cur = decode_lock_value(raw->str);
        if (!cur) return fail(not_a_lock());
        // Both the run id and the heartbeat must still be what the caller judged stale.
        if (cur->run_id != stale.run_id || cur->heartbeat != stale.heartbeat)
            return fail(ErrorCode::Lock, where() + ": cannot break lock " + spec_.key +
                                             ": it is no longer held by run " + stale.run_id +
                                             " as judged stale (taken over or renewed)");
        auto r = call({"EVAL", kBreak, "1", spec_.key, raw->str}, d);
        if (!r) return fail(r.error());
        if (r->type != RedisReply::Type::Integer) return fail(unexpected(*r, "break"));
        if (r->integer != 1)
            return fail(ErrorCode::Lock, where() + ": cannot break lock " + spec_.key + ": it changed meanwhile");
        return {};
    }

private:
    [[nodiscard]] std::string where() const { return where_of(spec_); }

    Result<std::optional<LockHolder>> read_locked(const Deadline& d) {
        auto r = call({"GET", spec_.key}, d);
        if (!r) return fail(r.error());
        if (r->type == RedisReply::Type::Nil) return std::optional<LockHolder>{};
        if (r->type != RedisReply::Type::String) return fail(unexpected(*r, "GET"));
        auto h = decode_lock_value(r->str);
        if (!h) return fail(not_a_lock());
        return std::optional<LockHolder>(*h);
    }

    [[nodiscard]] Error not_a_lock() const {
        return {ErrorCode::Protocol, where() + ": key " + spec_.key +
                                         " holds a value that is not an ncbctl lock; inspect it (redis-cli GET) and "
                                         "set lock.redis.key to a key of its own"};
    }

    [[nodiscard]] Error unexpected(const RedisReply& r, std::string_view what) const {
        if (r.type == RedisReply::Type::Error)
            return {ErrorCode::Remote, where() + ": " + std::string(what) + " on " + spec_.key + " refused: " + r.str};
        return {ErrorCode::Protocol, where() + ": unexpected answer to " + std::string(what) + " on " + spec_.key};
    }

    Result<RedisReply> call(const std::vector<std::string>& argv, const Deadline& d) {
        if (!client_) {
            RedisEndpoint ep{.host = spec_.host,
                             .port = spec_.port,
                             .db = spec_.db,
                             .user = spec_.user,
                             .password = {},
                             .where = where(),
                             .connect_timeout = connect_,
                             .tls = spec_.tls,
                             .tls_options = spec_.tls_options};
            if (!spec_.password.empty()) {
                auto pw = resolve_secret(spec_.password);
                if (!pw)
                    return fail(ErrorCode::Inventory,
                                "lock.redis.password (" + spec_.password.describe() + "): " + pw.error().message);
                ep.password = std::move(*pw);
            }
            client_ = std::make_unique<RedisClient>(std::move(ep));
        }
        return client_->command(argv, d);
    }

    RedisLockSpec spec_;
    long long ttl_ms_;
    Duration connect_;
    std::mutex mu_;
    std::string token_;  // ours while we hold the lock
    std::unique_ptr<RedisClient> client_;
};

}  // namespace

std::string encode_lock_value(const std::string& token, const LockHolder& h) {
    return token + " " + util::holder_to_json(h).dump();
}

std::optional<LockHolder> decode_lock_value(std::string_view value) {
    const auto space = value.find(' ');
    if (space == std::string_view::npos || space == 0) return std::nullopt;
    auto j = nlohmann::json::parse(value.substr(space + 1), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    // lenient: a field of the wrong type reads as empty or 0, a run id of another shape as unknown
    return util::holder_with_checked_run_id(util::holder_from_json(j), "the Redis lock value");
}

std::unique_ptr<LockBackend> make_redis_lock(const Inventory& inv) {
    return std::make_unique<RedisLock>(inv);
}

}  // namespace ncbctl::lock
