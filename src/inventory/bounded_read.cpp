#include "inventory/bounded_read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "ncbctl/cancel.hpp"
#include "util/fd.hpp"

namespace ncbctl::inv {

std::string file_type_name(mode_t mode) {
    if (S_ISREG(mode)) return "a regular file";
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

namespace {

ReadError not_regular(mode_t mode) {
    return {ReadError::Kind::NotRegular, "is " + file_type_name(mode) + ", not a regular file", file_type_name(mode)};
}

ReadError unreadable() {
    const std::string e = std::strerror(errno);
    return {ReadError::Kind::Unreadable, "cannot be read: " + e, e};
}

// O_NONBLOCK: a FIFO swapped in after the stat would otherwise block the open forever; the type is checked
// again on the opened descriptor (no window between a check and the read); regular files ignore O_NONBLOCK.
std::expected<util::Fd, ReadError> open_regular(const std::string& path, FileFacts& facts) {
    // A device is never opened at all (opening some has side effects).
    struct stat before {};
    if (::stat(path.c_str(), &before) != 0) return std::unexpected(unreadable());
    if (!S_ISREG(before.st_mode)) return std::unexpected(not_regular(before.st_mode));
    util::Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!fd.valid()) return std::unexpected(unreadable());
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return std::unexpected(unreadable());
    if (!S_ISREG(st.st_mode)) return std::unexpected(not_regular(st.st_mode));
    facts = FileFacts{.mode = st.st_mode, .size = st.st_size};
    return fd;
}

}  // namespace

std::expected<BoundedRead, ReadError> read_regular_file(const std::string& path, std::size_t max_bytes,
                                                        bool interruptible) {
    BoundedRead out;
    auto fd = open_regular(path, out.facts);
    if (!fd) return std::unexpected(fd.error());
    // Read one byte past the cap to tell "exactly the cap" from "more".
    char buf[64 * 1024];
    while (out.content.size() <= max_bytes) {
        if (interruptible && stop_requested())
            return std::unexpected(ReadError{ReadError::Kind::Interrupted, "reading was interrupted", {}});
        const std::size_t want = std::min(sizeof buf, max_bytes + 1 - out.content.size());
        const ssize_t n = ::read(fd->get(), buf, want);
        if (n < 0) {
            if (errno == EINTR) continue;
            return std::unexpected(unreadable());
        }
        if (n == 0) return out;
        out.content.append(buf, static_cast<std::size_t>(n));
    }
    return std::unexpected(
        ReadError{ReadError::Kind::TooLarge, "is larger than " + std::to_string(max_bytes) + " bytes", {}});
}

std::optional<std::string> secret_size_problem(const FileFacts& facts) {
    if (facts.size == 0) return "is empty; a secret file holds the secret (one line)";
    if (static_cast<std::size_t>(facts.size) > kMaxSecretBytes)
        return "is larger than " + std::to_string(kMaxSecretBytes / 1024) + " KiB; a secret file holds one secret";
    return std::nullopt;
}

std::optional<std::string> secret_mode_warning(const std::string& path, const FileFacts& facts) {
    const unsigned bits = static_cast<unsigned>(facts.mode) & 0777U;
    if ((bits & 077U) == 0) return std::nullopt;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", bits);
    return "secret file " + path + " may be read by others (mode " + mode + "); `chmod 600 " + path + "`";
}

}  // namespace ncbctl::inv
