#pragma once
// A minimal read-only zip reader for verifying backups (.nbdata): parses the central directory
// (zip64 included) and inflates small entries such as _metadata.json. It reads only the tail of the
// file and the entries asked for, so memory stays small whatever the archive size.
// Failure semantics: a missing/corrupt structure is ErrorCode::Verification naming the file;
// I/O errors are ErrorCode::Io.
#include <cstdint>
#include <string>
#include <vector>

#include "ncbctl/error.hpp"

namespace ncbctl::nocobase {

struct ZipEntry {
    std::string name;
    std::uint16_t method = 0;  // 0 stored, 8 deflate
    std::uint32_t crc32 = 0;
    std::uint64_t compressed_size = 0;
    std::uint64_t size = 0;
    std::uint64_t local_header_offset = 0;
};

// Lists every entry of the central directory; checks each local header signature lies inside the file.
Result<std::vector<ZipEntry>> zip_list(const std::string& path);

// Reads one entry (stored or deflated) fully into memory, checking its CRC-32; refuses entries
// larger than `max_size`.
Result<std::string> zip_read(const std::string& path, const ZipEntry& entry, std::uint64_t max_size = 16U << 20U);

// Raw DEFLATE (RFC 1951) through zlib, for zip_read; exposed for tests.
Result<std::string> inflate_raw(std::string_view compressed, std::uint64_t expected_size);
std::uint32_t crc32(std::string_view data, std::uint32_t crc = 0);

}  // namespace ncbctl::nocobase
