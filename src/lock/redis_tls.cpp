#include "lock/redis_tls.hpp"

#include <hiredis/hiredis.h>

#include <spdlog/spdlog.h>

#include "net/tls_stream.hpp"

namespace ncbctl::lock {

void RedisTlsConnection::ReplyFree::operator()(redisReply* r) const {
    freeReplyObject(r);
}

struct RedisTlsConnection::State {
    std::unique_ptr<net::TlsStream> stream;
    redisReader* reader = nullptr;
    std::string where;
    ~State() {
        if (reader != nullptr) redisReaderFree(reader);
    }
};

RedisTlsConnection::RedisTlsConnection(std::unique_ptr<State> s) : s_(std::move(s)) {}
RedisTlsConnection::~RedisTlsConnection() = default;

Result<std::unique_ptr<RedisTlsConnection>> RedisTlsConnection::open(const RedisTlsTarget& t, const Deadline& d) {
    if (!t.tls.verify)
        spdlog::warn(
            "{}: TLS verification is DISABLED (lock.redis.tls.verify: false): anyone on the path can "
            "pose as this Redis and hand out the cluster lock",
            t.where);
    auto s = std::make_unique<State>();
    s->where = t.where;
    auto stream = net::TlsStream::open(
        {.host = t.host, .port = t.port, .tls = t.tls, .where = t.where, .ca_key = "lock.redis.tls.ca_file"}, d);
    if (!stream) return fail(stream.error());
    s->stream = std::move(*stream);
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
    const auto ignore = net::OnAbort::Ignore;  // as the plain connection: the deadline bounds it, not Ctrl-C
    if (auto st = net::write_all(*s_->stream, {cmd.get(), static_cast<std::size_t>(n)}, d, ignore, argv.front()); !st)
        return fail(st.error());
    for (;;) {
        void* reply = nullptr;
        if (redisReaderGetReply(s_->reader, &reply) != REDIS_OK)
            return fail(ErrorCode::Protocol,
                        s_->where + ": unreadable reply to " + argv.front() + ": " + std::string(s_->reader->errstr));
        if (reply != nullptr) return Reply(static_cast<redisReply*>(reply));
        char buf[16384];
        auto got = net::read_some(*s_->stream, buf, sizeof buf, d, ignore, argv.front());
        if (!got) return fail(got.error());
        if (redisReaderFeed(s_->reader, buf, *got) != REDIS_OK)
            return fail(ErrorCode::Protocol, s_->where + ": unreadable reply to " + argv.front());
    }
}

}  // namespace ncbctl::lock
