#pragma once
// A connected, non-blocking byte stream (a plain socket or a TLS connection over one), driven one step at a
// time by a caller that polls fd() itself, plus two helpers that wait for a whole operation within a
// deadline. A step that cannot go on says what to poll for (want) instead of blocking.
// Failure semantics: a broken stream is Unreachable (transient); waits are Timeout (transient) or Cancelled
// (abort, with OnAbort::Stop). Messages start with the stream's `where` and name the operation (`what`).
#include <cstddef>
#include <string>
#include <string_view>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "net/fd_wait.hpp"

namespace ncbctl::net {

// What one step did: `bytes` moved, or `eof` (the peer closed its side), or neither and `want` (POLLIN
// and/or POLLOUT) to wait for before the same step can make progress.
struct IoStep {
    std::size_t bytes = 0;
    bool eof = false;
    short want = 0;
};

class ByteStream {
public:
    virtual ~ByteStream() = default;
    ByteStream() = default;
    ByteStream(const ByteStream&) = delete;
    ByteStream& operator=(const ByteStream&) = delete;

    virtual Result<IoStep> try_read(char* buf, std::size_t size) = 0;
    virtual Result<IoStep> try_write(const char* data, std::size_t size) = 0;
    // Ends this side's sending (the peer reads end of input) while reading goes on; bytes == 1 once done.
    virtual Result<IoStep> try_close_write() = 0;
    [[nodiscard]] virtual int fd() const = 0;
    [[nodiscard]] virtual const std::string& where() const = 0;
};

// Writes all of `data`, waiting as needed.
Status write_all(ByteStream& s, std::string_view data, const Deadline& deadline, OnAbort on_abort,
                 std::string_view what);
// Reads at least one byte into buf, waiting for it; end of stream is an error here (an answer cut short).
Result<std::size_t> read_some(ByteStream& s, char* buf, std::size_t size, const Deadline& deadline, OnAbort on_abort,
                              std::string_view what);

}  // namespace ncbctl::net
