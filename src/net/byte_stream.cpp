#include "net/byte_stream.hpp"

namespace ncbctl::net {
namespace {

Error waited(const ByteStream& s, const Error& e, std::string_view what) {
    return {e.code, s.where() + ": " + e.message + " (" + std::string(what) + ")", e.transient};
}

Error during(Error e, std::string_view what) {
    e.message += " (" + std::string(what) + ")";
    return e;
}

}  // namespace

Status write_all(ByteStream& s, std::string_view data, const Deadline& d, OnAbort on_abort, std::string_view what) {
    while (!data.empty()) {
        auto step = s.try_write(data.data(), data.size());
        if (!step) return fail(during(step.error(), what));
        data.remove_prefix(step->bytes);
        if (step->bytes > 0) continue;
        if (auto w = wait_fd(s.fd(), step->want, d, on_abort); !w) return fail(waited(s, w.error(), what));
    }
    return {};
}

Result<std::size_t> read_some(ByteStream& s, char* buf, std::size_t size, const Deadline& d, OnAbort on_abort,
                              std::string_view what) {
    for (;;) {
        auto step = s.try_read(buf, size);
        if (!step) return fail(during(step.error(), what));
        if (step->bytes > 0) return step->bytes;
        if (step->eof)
            return fail(ErrorCode::Unreachable,
                        s.where() + ": connection closed by the server (" + std::string(what) + ")", true);
        if (auto w = wait_fd(s.fd(), step->want, d, on_abort); !w) return fail(waited(s, w.error(), what));
    }
}

}  // namespace ncbctl::net
