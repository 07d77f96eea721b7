#pragma once
// Reading a local file the inventory names (the inventory itself, a secret file) without trusting it:
// only a regular file is opened for reading (a FIFO, /dev/zero, a terminal or `<(cmd)` are refused
// before any read, and opening never blocks), and at most `max_bytes` are read, whatever st_size says
// (files under /proc report 0). An error's text is one phrase to follow the file's name, e.g.
// "is a FIFO (named pipe), not a regular file"; the content never appears in one.
#include <sys/types.h>

#include <cstddef>
#include <expected>
#include <optional>
#include <string>

namespace ncbctl::inv {

struct FileFacts {
    mode_t mode = 0;  // st_mode of the opened file (type and permission bits)
    off_t size = 0;   // as reported; never trusted to bound a read
};

// A secret is one token or password: more is not a secret file (and is never read past this).
inline constexpr std::size_t kMaxSecretBytes = 64U * 1024U;

// Why a secret file cannot be used, from its facts alone (empty, too large); nullopt when usable.
std::optional<std::string> secret_size_problem(const FileFacts& facts);
// The warning for a secret file that others may read (group or world bits set), as OpenSSH gives for
// keys; nullopt when only the owner may. ncbctl warns and goes on: shared deployments (Docker's
// /run/secrets is 0444) are common and the file system's owner decides.
std::optional<std::string> secret_mode_warning(const std::string& path, const FileFacts& facts);

struct BoundedRead {
    std::string content;
    FileFacts facts;
};

struct ReadError {
    enum class Kind { Unreadable, NotRegular, TooLarge, Interrupted };
    Kind kind;
    std::string text;    // "cannot be read: No such file or directory", "is a directory, not a regular file"
    std::string detail;  // Unreadable: strerror alone; NotRegular: file_type_name()
};

// `interruptible`: stop between chunks once an interrupt was requested (ncbctl/cancel.hpp): Interrupted.
std::expected<BoundedRead, ReadError> read_regular_file(const std::string& path, std::size_t max_bytes,
                                                        bool interruptible = false);

// "a FIFO", "a directory", "a character device", ... for messages.
std::string file_type_name(mode_t mode);

}  // namespace ncbctl::inv
