#pragma once
// A non-blocking TCP connection to host:port within a deadline, trying each address the resolver gives in
// turn (the name lookup itself is the system's, getaddrinfo(3), and is not bounded).
// Failure semantics: Unreachable (transient) when the name does not resolve or every address refuses or
// cannot be reached, Timeout (transient) at the deadline, Cancelled on abort with OnAbort::Stop. Messages
// start with `where`.
#include <string>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "net/fd_wait.hpp"
#include "util/fd.hpp"

namespace ncbctl::net {

// The connected socket, left non-blocking and close-on-exec.
Result<util::Fd> tcp_connect(const std::string& host, int port, const std::string& where, const Deadline& deadline,
                             OnAbort on_abort);

}  // namespace ncbctl::net
