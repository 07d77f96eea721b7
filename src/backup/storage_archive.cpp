#include "backup/storage_archive.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>

#include "net/process.hpp"
#include "util/atomic_file.hpp"
#include "util/sha256.hpp"

namespace ncbctl::backup {
namespace {
namespace fs = std::filesystem;

Error tar_failed(const std::string& what, const net::ProcessResult& r) {
    return {ErrorCode::Remote,
            what + " failed (exit " + std::to_string(r.exit_code) + "): " + net::last_lines(r.err, 2)};
}
}  // namespace

Result<Params> archive_storage(const std::string& storage_dir, const std::string& dest_dir,
                               const std::string& base_name, const Deadline& deadline) {
    if (!fs::is_directory(storage_dir))
        return fail(ErrorCode::NotFound, "storage directory " + storage_dir + " not found");
    std::error_code ec;
    if (auto d = util::create_private_directories(dest_dir); !d) return fail(d.error());
    const std::string final_path = (fs::path(dest_dir) / (base_name + ".storage.tar.gz")).string();
    const std::string tmp = final_path + ".partial";
    auto r = net::run_process({.argv = {"tar", "-C", storage_dir, "-czf", tmp, "."}}, deadline);
    if (!r || !r->ok()) {
        ::unlink(tmp.c_str());
        if (!r) return fail(r.error());
        return fail(tar_failed("archive of " + storage_dir, *r));
    }
    ::chmod(tmp.c_str(), 0600);
    auto list = net::run_process({.argv = {"tar", "-tzf", tmp}}, deadline);
    if (!list || !list->ok()) {
        ::unlink(tmp.c_str());
        return fail(ErrorCode::Verification, final_path + ": the archive cannot be listed back");
    }
    std::size_t entries = 0;
    for (char c : list->out) entries += c == '\n' ? 1 : 0;
    auto sum = util::sha256_file_hex(tmp);
    if (!sum) return fail(sum.error());
    const auto bytes = fs::file_size(tmp, ec);
    if (auto c = util::commit_atomic(tmp, final_path); !c) {
        ::unlink(tmp.c_str());
        return fail(c.error());
    }
    return Params{
        {"path", final_path}, {"sha256", *sum}, {"bytes", std::to_string(bytes)}, {"entries", std::to_string(entries)}};
}

Status restore_storage(const std::string& archive, const std::string& storage_dir, const Deadline& deadline) {
    const fs::path dir(storage_dir);
    const std::string incoming = storage_dir + ".ncbctl-restore";
    std::error_code ec;
    fs::remove_all(incoming, ec);
    fs::create_directories(incoming, ec);
    auto r = net::run_process({.argv = {"tar", "-C", incoming, "-xzf", archive}}, deadline);
    if (!r) return fail(r.error());
    if (!r->ok()) return fail(tar_failed("extract of " + archive, *r));
    const std::string replaced = storage_dir + ".ncbctl-replaced-" + std::to_string(std::time(nullptr));
    if (fs::exists(dir)) {
        fs::rename(dir, replaced, ec);
        if (ec) return fail(ErrorCode::Io, "cannot move " + storage_dir + " aside: " + ec.message());
    }
    if (auto c = util::commit_atomic(incoming, storage_dir); !c)
        return fail(ErrorCode::Io, "cannot move the restored storage into place: " + c.error().message);
    return {};
}

}  // namespace ncbctl::backup
