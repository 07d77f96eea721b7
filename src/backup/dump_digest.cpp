#include "backup/dump_digest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "util/fd.hpp"
#include "util/sha256.hpp"

namespace ncbctl::backup {

namespace fs = std::filesystem;

std::string combined_digest(const std::vector<FileDigest>& files) {
    util::Sha256 h;
    for (const auto& f : files) h.update(f.sha256 + "  " + f.name + "\n");
    return h.hex_digest();
}

Result<DirectoryDigest> digest_directory(const std::string& dir, bool sync) {
    DirectoryDigest d;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) return fail(ErrorCode::Io, "cannot read dump directory " + dir + ": " + ec.message());
    for (const auto& de : it) {
        const std::string name = de.path().filename().string();
        if (!de.is_regular_file(ec) || de.is_symlink(ec))
            return fail(ErrorCode::Verification,
                        dir + ": " + name + " is not a regular file (a dump holds files only)");
        d.files.push_back({name, "", static_cast<std::uint64_t>(de.file_size(ec))});
    }
    std::sort(d.files.begin(), d.files.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    for (auto& f : d.files) {
        const std::string path = (fs::path(dir) / f.name).string();
        auto sum = util::sha256_file_hex(path);
        if (!sum) return fail(sum.error());
        f.sha256 = *sum;
        d.bytes += f.bytes;
        if (sync) {
            util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
            if (!fd.valid() || ::fdatasync(fd.get()) != 0)
                return fail(ErrorCode::Io, "cannot sync " + path + ": " + std::strerror(errno));
        }
    }
    d.sha256 = combined_digest(d.files);
    return d;
}

Status compare_digest(const std::string& dir, const DirectoryDigest& expected, const DirectoryDigest& actual) {
    std::map<std::string, const FileDigest*> want;
    for (const auto& f : expected.files) want[f.name] = &f;
    for (const auto& f : actual.files) {
        auto w = want.find(f.name);
        if (w == want.end())
            return fail(ErrorCode::Verification, dir + "/" + f.name + ": a file the manifest does not list");
        if (w->second->bytes != f.bytes)
            return fail(ErrorCode::Verification, dir + "/" + f.name + ": size " + std::to_string(f.bytes) +
                                                     " differs from the manifest's " +
                                                     std::to_string(w->second->bytes));
        if (w->second->sha256 != f.sha256)
            return fail(ErrorCode::Verification, dir + "/" + f.name + ": SHA-256 differs from the manifest");
        want.erase(w);
    }
    if (!want.empty())
        return fail(ErrorCode::Verification, dir + "/" + want.begin()->first + ": listed in the manifest, missing");
    if (expected.sha256 != actual.sha256)
        return fail(ErrorCode::Verification, dir + ": combined SHA-256 differs from the manifest");
    return {};
}

}  // namespace ncbctl::backup
