#pragma once
// The checksum of a directory dump (pg_dump -Fd: toc.dat and one file per table's data): each file's
// SHA-256 and size, in byte order of their names, and one digest over them, the SHA-256 of the lines
// `sha256sum` prints for those files ("<hex>  <name>\n" each, names sorted), so an operator can recompute
// it by hand:  cd DIR && LC_ALL=C ls | xargs sha256sum | sha256sum
// Failure semantics: Io (unreadable), Verification (a subdirectory or other non-file entry: pg_dump writes
// none); compare_digest returns the first difference as a Verification error naming the file.
#include <cstdint>
#include <string>
#include <vector>

#include "ncbctl/error.hpp"

namespace ncbctl::backup {

struct FileDigest {
    std::string name;
    std::string sha256;
    std::uint64_t bytes = 0;
};

struct DirectoryDigest {
    std::vector<FileDigest> files;  // sorted by name
    std::string sha256;             // over the files' lines (above)
    std::uint64_t bytes = 0;        // sum of the files' sizes
};

// Hashes every file of `dir`; with `sync`, each file is fdatasynced as it is read (the dump is durable
// before it is renamed into place).
Result<DirectoryDigest> digest_directory(const std::string& dir, bool sync);
// The combined digest of `files` (sorted by name by the caller).
std::string combined_digest(const std::vector<FileDigest>& files);
// `actual` against what a manifest recorded: same names, sizes and SHA-256 each, same combined digest.
Status compare_digest(const std::string& dir, const DirectoryDigest& expected, const DirectoryDigest& actual);

}  // namespace ncbctl::backup
