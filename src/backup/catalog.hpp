#pragma once
// The backup destination directory as a catalog: the backup files of one cluster (named by
// retention.hpp's pattern) with what their manifests (<file>.json) say. A file without a readable
// manifest, or whose manifest lacks a checksum and a verification, is listed as unverified.
// Failure semantics: list_backups fails only when the directory cannot be read (a missing directory is
// an empty catalog); manifest writers fail with Io and leave the previous manifest in place.
#include <cstdint>
#include <string>
#include <vector>

#include "ncbctl/error.hpp"

namespace ncbctl::backup {

struct BackupEntry {
    std::string path;
    std::string name;  // file name (a directory dump: the directory's name, bytes its files' sum)
    std::string kind;  // database | api
    std::int64_t time = 0;
    std::uint64_t bytes = 0;
    bool verified = false;  // manifest with sha256 + verified_by
    std::string sha256;
    std::string verified_by;
    std::string restorable_at;  // ISO-8601 UTC of the last proof (scratch restore / archive re-check)
    std::string restorable_by;
};

// Newest first.
Result<std::vector<BackupEntry>> list_backups(const std::string& dir, const std::string& cluster);

// Manifest of a downloaded API backup (.nbdata), in the format of database dumps' manifests.
struct ApiManifest {
    std::string path;
    std::string sha256;
    std::uint64_t bytes = 0;
    std::string node;
    std::string app_backup;  // the name the node gave it (backups:list)
    std::string nocobase_version;
    std::string dialect;
    double seconds = 0;
};
Status write_api_manifest(const ApiManifest& m);

// Records in `path`'s manifest that the backup was just proven restorable, and how.
Status record_restorable(const std::string& path, const std::string& how);

std::string utc_iso(std::int64_t unix_seconds);
std::string human_bytes(std::uint64_t bytes);

}  // namespace ncbctl::backup
