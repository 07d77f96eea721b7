#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "util/fd.hpp"

namespace ncbctl::util {

namespace {

namespace fs = std::filesystem;

std::string errno_text(int e) {
    return std::strerror(e);
}

std::string parent_of(const std::string& path) {
    const auto p = fs::path(path).parent_path();
    return p.empty() ? std::string(".") : p.string();
}

Status write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(ErrorCode::Io, errno_text(errno));
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

}  // namespace

Status fsync_directory(const std::string& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return fail(ErrorCode::Io, "cannot open directory " + dir + ": " + errno_text(errno));
    if (::fsync(fd.get()) != 0) return fail(ErrorCode::Io, "cannot sync directory " + dir + ": " + errno_text(errno));
    return {};
}

Status write_file_atomic(const std::string& path, std::string_view content, int mode) {
    std::string tmp = path + ".ncbctl-XXXXXX";
    Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));  // O_EXCL and 0600: nobody else's file, nobody else can read it
    if (!fd.valid()) return fail(ErrorCode::Io, "cannot write " + path + ": " + errno_text(errno));
    auto failed = [&](const std::string& what, int e) {
        ::unlink(tmp.c_str());
        return fail(ErrorCode::Io, "cannot " + what + " " + path + ": " + errno_text(e));
    };
    if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) return failed("write", errno);
    if (auto w = write_all(fd.get(), content); !w) {
        ::unlink(tmp.c_str());
        return fail(ErrorCode::Io, "cannot write " + path + ": " + w.error().message);
    }
    if (::fsync(fd.get()) != 0) return failed("sync", errno);
    if (::close(fd.release()) != 0) return failed("write", errno);
    if (::rename(tmp.c_str(), path.c_str()) != 0) return failed("replace", errno);
    return fsync_directory(parent_of(path));
}

Status commit_atomic(const std::string& tmp, const std::string& path) {
    {
        Fd fd(::open(tmp.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd.valid()) return fail(ErrorCode::Io, "cannot open " + tmp + ": " + errno_text(errno));
        struct stat st {};
        // A directory (an extracted tree): syncfs writes out every file in it, not only its entries.
        const bool dir = ::fstat(fd.get(), &st) == 0 && S_ISDIR(st.st_mode);
        if ((dir ? ::syncfs(fd.get()) : ::fsync(fd.get())) != 0)
            return fail(ErrorCode::Io, "cannot sync " + tmp + ": " + errno_text(errno));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        return fail(ErrorCode::Io, "cannot rename " + tmp + " to " + path + ": " + errno_text(errno));
    return fsync_directory(parent_of(path));
}

Status create_private_directories(const std::string& dir) {
    if (dir.empty()) return fail(ErrorCode::Io, "cannot create a directory with an empty name");
    std::vector<fs::path> missing;
    for (fs::path p = fs::path(dir).lexically_normal(); !p.empty(); p = p.parent_path()) {
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0) {
            if (!S_ISDIR(st.st_mode))
                return fail(ErrorCode::Io, "cannot create " + dir + ": " + p.string() + " is not a directory");
            break;
        }
        missing.push_back(p);
        if (p == p.parent_path()) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        if (::mkdir(it->c_str(), 0700) != 0) {
            if (errno == EEXIST) continue;  // created meanwhile by someone else: theirs, left alone
            return fail(ErrorCode::Io, "cannot create " + it->string() + ": " + errno_text(errno));
        }
        // mkdir's mode is narrowed by the umask but never widened: chmod makes it exactly 0700 either way.
        if (::chmod(it->c_str(), 0700) != 0)
            return fail(ErrorCode::Io, "cannot make " + it->string() + " private: " + errno_text(errno));
    }
    return {};
}

}  // namespace ncbctl::util
