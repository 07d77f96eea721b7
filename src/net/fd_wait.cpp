#include "net/fd_wait.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>

#include "ncbctl/cancel.hpp"

namespace ncbctl::net {

Result<short> wait_fd(int fd, short events, const Deadline& d, OnAbort on_abort) {
    const long long slice = on_abort == OnAbort::Stop ? 100 : 24LL * 3600 * 1000;
    for (;;) {
        if (on_abort == OnAbort::Stop && abort_requested()) return fail(ErrorCode::Cancelled, "interrupted");
        const long long left = d.remaining().count();
        if (left <= 0) return fail(ErrorCode::Timeout, "timed out", true);
        pollfd p{fd, events, 0};
        const int r = ::poll(&p, 1, static_cast<int>(std::clamp<long long>(left, 1, slice)));
        if (r > 0) return p.revents;
        if (r < 0 && errno != EINTR) return static_cast<short>(POLLERR);
    }
}

}  // namespace ncbctl::net
