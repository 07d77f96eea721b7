#pragma once
// The backup destination directory as a catalog: the backup files of one cluster (named by
// util/backup_names.hpp's pattern) with what their manifests (<file>.json) say. A file without a readable
// manifest, or whose manifest lacks a checksum and a verification, is listed as unverified.
// Failure semantics: list_backups fails only when the directory cannot be read (a missing directory is
// an empty catalog); manifest writers fail with Io and leave the previous manifest in place.
#include <cstdint>
#include <string>
#include <vector>

#include "ncbctl/backup_catalog.hpp"
#include "ncbctl/error.hpp"

namespace ncbctl::backup {

using ncbctl::ApiManifest;
using ncbctl::BackupEntry;

// Newest first.
Result<std::vector<BackupEntry>> list_backups(const std::string& dir, const std::string& cluster);

// Writes `<m.path>.json`, the manifest of a downloaded API backup.
Status write_api_manifest(const ApiManifest& m);

// Records in `path`'s manifest that the backup was just proven restorable, and how.
Status record_restorable(const std::string& path, const std::string& how);

}  // namespace ncbctl::backup
