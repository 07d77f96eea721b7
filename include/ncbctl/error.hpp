#pragma once
// Errors as values: every expected failure (unreachable node, bad token, timeout...) travels as an
// Error inside Result<T>. Exceptions are reserved for bugs and for the single top-level catch in main.
#include <expected>
#include <string>
#include <string_view>

namespace ncbctl {

enum class ErrorCode {
    Usage,         // bad command line
    Inventory,     // invalid inventory (file:line:col in message)
    Unreachable,   // connection refused / DNS / no route
    Timeout,       // deadline passed
    Auth,          // authentication or authorization refused
    HostKey,       // SSH host key mismatch or unknown
    NotFound,      // container, plugin, backup, file... does not exist
    Conflict,      // state does not allow the operation (name taken, already running elsewhere)
    Remote,        // remote command / API answered with an error
    Protocol,      // unexpected answer (bad JSON, HTML from a proxy, truncated body)
    Io,            // local file system
    Verification,  // a check failed (backup unreadable, version mismatch)
    Lock,          // the cluster lock is held by another run
    Cancelled,     // Ctrl-C / SIGTERM
    Unsupported,   // capability absent (commercial plugin, driver cannot do this)
    Internal,      // a bug
};

std::string_view to_string(ErrorCode code) noexcept;

struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;     // one line, names the node/file and what to do
    bool transient = false;  // the engine may retry (with backoff) only when true

    Error() = default;
    Error(ErrorCode c, std::string m, bool t = false) : code(c), message(std::move(m)), transient(t) {}

    // Prefixes context ("node app1: ") keeping code and transience.
    [[nodiscard]] Error with_context(std::string_view prefix) const;
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message, bool transient = false) {
    return std::unexpected<Error>(Error{code, std::move(message), transient});
}
inline std::unexpected<Error> fail(Error e) {
    return std::unexpected<Error>(std::move(e));
}

}  // namespace ncbctl
