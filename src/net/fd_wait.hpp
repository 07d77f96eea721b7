#pragma once
// Waiting for a non-blocking socket within a deadline: the poll(2) loop shared by the TCP connect, the
// socket and TLS streams and the Docker exec's hijacked connection. With OnAbort::Stop the second Ctrl-C
// (abort_requested) ends the wait too, looked at every 100 ms.
// Failure semantics: Timeout (transient) when the deadline passes first, Cancelled on abort. Messages are
// bare ("timed out", "interrupted"): the caller says what it waited for. A poll(2) error is returned as
// POLLERR so that the next read or write reports the socket's own error.
#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"

namespace ncbctl::net {

enum class OnAbort { Ignore, Stop };

// The revents of fd for `events` (POLLIN / POLLOUT), once any is ready.
Result<short> wait_fd(int fd, short events, const Deadline& deadline, OnAbort on_abort);

}  // namespace ncbctl::net
