#include "backup/catalog.hpp"
#include "util/utc_time.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "backup/database_dump.hpp"
#include "util/backup_names.hpp"

namespace ncbctl::backup {
namespace {

namespace fs = std::filesystem;

Result<nlohmann::json> read_json(const std::string& path) {
    std::ifstream in(path);
    if (!in) return fail(ErrorCode::NotFound, "no manifest " + path);
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorCode::Verification, path + ": unreadable manifest: " + e.what());
    }
}

// The size of a directory dump: its files' sizes added up (what its manifest's `bytes` records).
std::uint64_t tree_bytes(const std::string& dir) {
    std::uint64_t total = 0;
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(dir, ec))
        if (f.is_regular_file(ec)) total += static_cast<std::uint64_t>(f.file_size(ec));
    return total;
}

Status write_json(const std::string& path, const nlohmann::json& j) {
    return write_private_file(path, j.dump(2) + "\n");
}

}  // namespace

Result<std::vector<BackupEntry>> list_backups(const std::string& dir, const std::string& cluster) {
    std::vector<BackupEntry> out;
    std::error_code ec;
    if (!fs::exists(dir, ec)) return out;
    fs::directory_iterator it(dir, ec);
    if (ec) return fail(ErrorCode::Io, "cannot read backup directory " + dir + ": " + ec.message());
    for (const auto& de : it) {
        const std::string name = de.path().filename().string();
        auto parsed = parse_backup_name(name);
        if (!parsed || parsed->cluster != cluster) continue;
        const bool directory = parsed->ext == "pgdir";
        if (directory ? !de.is_directory(ec) || de.is_symlink(ec) : !de.is_regular_file(ec)) continue;
        BackupEntry e;
        e.path = de.path().string();
        e.name = name;
        e.kind = parsed->ext == "nbdata" ? "api" : "database";
        e.time = parsed->time;
        e.bytes = directory ? tree_bytes(e.path) : static_cast<std::uint64_t>(de.file_size(ec));
        if (auto j = read_json(manifest_path(e.path)); j && j->is_object()) {
            e.sha256 = j->value("sha256", "");
            e.verified_by = j->value("verified_by", "");
            e.restorable_at = j->value("restorable_at", "");
            e.restorable_by = j->value("restorable_by", "");
            e.verified = !e.sha256.empty() && !e.verified_by.empty() && j->value("bytes", std::uint64_t{0}) == e.bytes;
        }
        out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.time != b.time ? a.time > b.time : a.name > b.name; });
    return out;
}

Status write_api_manifest(const ApiManifest& m) {
    nlohmann::json j{{"path", m.path},
                     {"kind", "api"},
                     {"dialect", m.dialect},
                     {"sha256", m.sha256},
                     {"bytes", m.bytes},
                     {"created", utc_iso(std::time(nullptr))},
                     {"verified_by", "zip with _metadata.json and data (NocoBase " + m.nocobase_version + ")"},
                     {"verified_at", utc_iso(std::time(nullptr))},
                     {"node", m.node},
                     {"app_backup", m.app_backup},
                     {"nocobase_version", m.nocobase_version},
                     {"seconds", m.seconds},
                     {"format", 1}};
    return write_json(manifest_path(m.path), j);
}

Status record_restorable(const std::string& path, const std::string& how) {
    auto j = read_json(manifest_path(path));
    if (!j) return fail(j.error());
    (*j)["restorable_at"] = utc_iso(std::time(nullptr));
    (*j)["restorable_by"] = how;
    return write_json(manifest_path(path), *j);
}

}  // namespace ncbctl::backup
