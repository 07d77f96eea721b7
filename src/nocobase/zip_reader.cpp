#include "nocobase/zip_reader.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <memory>

namespace ncbctl::nocobase {
namespace {

struct FileCloser {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::uint64_t le(const unsigned char* p, int n) {
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8U) | p[i];
    return v;
}
std::uint16_t le16(const unsigned char* p) {
    return static_cast<std::uint16_t>(le(p, 2));
}
std::uint32_t le32(const unsigned char* p) {
    return static_cast<std::uint32_t>(le(p, 4));
}

Status read_at(std::FILE* f, std::uint64_t off, void* buf, std::size_t n, const std::string& path) {
    if (fseeko(f, static_cast<off_t>(off), SEEK_SET) != 0 || std::fread(buf, 1, n, f) != n)
        return fail(ErrorCode::Verification,
                    path + ": not a readable zip (short read at offset " + std::to_string(off) + ")");
    return {};
}

auto bad(const std::string& path, const std::string& why) {
    return fail(ErrorCode::Verification, path + ": not a valid zip archive (" + why + ")");
}

}  // namespace

std::uint32_t crc32(std::string_view data, std::uint32_t crc) {
    // zlib takes uInt lengths: feed large inputs in chunks.
    uLong c = crc;
    while (!data.empty()) {
        const auto n = static_cast<uInt>(std::min<std::size_t>(data.size(), 1U << 30U));
        c = ::crc32(c, reinterpret_cast<const Bytef*>(data.data()), n);
        data.remove_prefix(n);
    }
    return static_cast<std::uint32_t>(c);
}

Result<std::string> inflate_raw(std::string_view compressed, std::uint64_t expected_size) {
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return fail(ErrorCode::Internal, "deflate: zlib init failed");
    std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&zs, inflateEnd);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    zs.avail_in = static_cast<uInt>(std::min<std::size_t>(compressed.size(), UINT_MAX));
    // Grows in chunks and stops one byte past expected_size: memory follows the real output, and output
    // that does not fit is a size mismatch however large the stream claims to be.
    std::string out;
    std::array<char, 64 * 1024> chunk{};
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef*>(chunk.data());
        zs.avail_out = static_cast<uInt>(chunk.size());
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(chunk.data(), chunk.size() - zs.avail_out);
        if (out.size() > expected_size)
            return fail(ErrorCode::Verification, "deflate: size differs from the directory");
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input ended before the stream did
    }
    if (rc != Z_STREAM_END) return fail(ErrorCode::Verification, "deflate: corrupt or truncated data");
    if (out.size() != expected_size) return fail(ErrorCode::Verification, "deflate: size differs from the directory");
    return out;
}

Result<std::vector<ZipEntry>> zip_list(const std::string& path) {
    File f(std::fopen(path.c_str(), "rb"));
    if (!f) return fail(ErrorCode::Io, "cannot open " + path);
    if (fseeko(f.get(), 0, SEEK_END) != 0) return fail(ErrorCode::Io, "cannot seek in " + path);
    const auto file_size = static_cast<std::uint64_t>(ftello(f.get()));
    if (file_size < 22) return bad(path, "too short");
    // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
    const std::uint64_t tail_len = std::min<std::uint64_t>(file_size, 22U + 65535U);
    std::string tail(static_cast<std::size_t>(tail_len), '\0');
    if (auto r = read_at(f.get(), file_size - tail_len, tail.data(), tail.size(), path); !r) return fail(r.error());
    const auto* t = reinterpret_cast<const unsigned char*>(tail.data());
    std::size_t eocd = std::string::npos;
    for (std::size_t i = tail.size() - 22 + 1; i-- > 0;) {
        if (le32(t + i) == 0x06054b50U) {
            eocd = i;
            break;
        }
    }
    if (eocd == std::string::npos) return bad(path, "no end of central directory: cut or not a zip");
    std::uint64_t entries = le16(t + eocd + 10);
    std::uint64_t cd_size = le32(t + eocd + 12);
    std::uint64_t cd_offset = le32(t + eocd + 16);
    if (entries == 0xFFFFU || cd_size == 0xFFFFFFFFU || cd_offset == 0xFFFFFFFFU) {
        // zip64: the locator precedes the EOCD and points at the zip64 EOCD record.
        if (eocd < 20 || le32(t + eocd - 20) != 0x07064b50U) return bad(path, "zip64 locator missing");
        const std::uint64_t z64 = le(t + eocd - 20 + 8, 8);
        std::array<unsigned char, 56> rec{};
        if (auto r = read_at(f.get(), z64, rec.data(), rec.size(), path); !r) return fail(r.error());
        if (le32(rec.data()) != 0x06064b50U) return bad(path, "zip64 end record missing");
        entries = le(rec.data() + 32, 8);
        cd_size = le(rec.data() + 40, 8);
        cd_offset = le(rec.data() + 48, 8);
    }
    if (cd_offset + cd_size > file_size || cd_size > (512U << 20U)) return bad(path, "central directory out of range");
    std::string cd(static_cast<std::size_t>(cd_size), '\0');
    if (auto r = read_at(f.get(), cd_offset, cd.data(), cd.size(), path); !r) return fail(r.error());
    const auto* c = reinterpret_cast<const unsigned char*>(cd.data());
    std::vector<ZipEntry> out;
    std::size_t pos = 0;
    for (std::uint64_t n = 0; n < entries; ++n) {
        if (pos + 46 > cd.size() || le32(c + pos) != 0x02014b50U) return bad(path, "central directory entry corrupt");
        ZipEntry e;
        e.method = le16(c + pos + 10);
        e.crc32 = le32(c + pos + 16);
        e.compressed_size = le32(c + pos + 20);
        e.size = le32(c + pos + 24);
        const std::size_t name_len = le16(c + pos + 28), extra_len = le16(c + pos + 30),
                          comment_len = le16(c + pos + 32);
        e.local_header_offset = le32(c + pos + 42);
        if (pos + 46 + name_len + extra_len + comment_len > cd.size()) return bad(path, "central directory entry cut");
        e.name.assign(cd.data() + pos + 46, name_len);
        // zip64 extra field (id 1) carries the 64-bit values that are 0xFFFFFFFF above, in this order.
        const std::size_t extra_end = pos + 46 + name_len + extra_len;
        for (std::size_t x = pos + 46 + name_len; x + 4 <= extra_end;) {
            const std::size_t id = le16(c + x), len = le16(c + x + 2);
            if (x + 4 + len > extra_end) return bad(path, "entry " + e.name + " has a corrupt extra field");
            if (id == 1) {
                std::size_t q = x + 4;
                if (e.size == 0xFFFFFFFFU && q + 8 <= x + 4 + len) e.size = le(c + q, 8), q += 8;
                if (e.compressed_size == 0xFFFFFFFFU && q + 8 <= x + 4 + len) e.compressed_size = le(c + q, 8), q += 8;
                if (e.local_header_offset == 0xFFFFFFFFU && q + 8 <= x + 4 + len) e.local_header_offset = le(c + q, 8);
            }
            x += 4 + len;
        }
        if (e.local_header_offset + 30 + e.compressed_size > cd_offset)
            return bad(path, "entry " + e.name + " out of range");
        std::array<unsigned char, 4> sig{};
        if (auto r = read_at(f.get(), e.local_header_offset, sig.data(), sig.size(), path); !r) return fail(r.error());
        if (le32(sig.data()) != 0x04034b50U) return bad(path, "entry " + e.name + " has no local header");
        out.push_back(std::move(e));
        pos += 46 + name_len + extra_len + comment_len;
    }
    return out;
}

Result<std::string> zip_read(const std::string& path, const ZipEntry& e, std::uint64_t max_size) {
    if (e.size > max_size || e.compressed_size > max_size)
        return fail(ErrorCode::Verification, path + ": entry " + e.name + " is too large to read");
    File f(std::fopen(path.c_str(), "rb"));
    if (!f) return fail(ErrorCode::Io, "cannot open " + path);
    std::array<unsigned char, 30> lh{};
    if (auto r = read_at(f.get(), e.local_header_offset, lh.data(), lh.size(), path); !r) return fail(r.error());
    const std::uint64_t data_off = e.local_header_offset + 30 + le16(lh.data() + 26) + le16(lh.data() + 28);
    std::string raw(static_cast<std::size_t>(e.compressed_size), '\0');
    if (auto r = read_at(f.get(), data_off, raw.data(), raw.size(), path); !r) return fail(r.error());
    std::string data;
    if (e.method == 0) {
        data = std::move(raw);
    } else if (e.method == 8) {
        auto inflated = inflate_raw(raw, e.size);
        if (!inflated)
            return fail(ErrorCode::Verification, path + ": entry " + e.name + ": " + inflated.error().message);
        data = std::move(*inflated);
    } else {
        return fail(ErrorCode::Verification,
                    path + ": entry " + e.name + " uses unsupported method " + std::to_string(e.method));
    }
    if (crc32(data) != e.crc32) return fail(ErrorCode::Verification, path + ": entry " + e.name + " fails its CRC-32");
    return data;
}

}  // namespace ncbctl::nocobase
