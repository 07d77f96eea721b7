#include "nocobase/zip_reader.hpp"

#include <array>
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

// --- inflate (RFC 1951), table-driven like zlib's "puff" reference decoder ---
struct Huffman {
    std::array<std::uint16_t, 16> count{};
    std::array<std::uint16_t, 288> symbol{};
};

struct BitReader {
    std::string_view in;
    std::size_t pos = 0;
    std::uint32_t bitbuf = 0;
    int bitcnt = 0;
    bool overrun = false;
    int bits(int need) {
        std::uint32_t val = bitbuf;
        while (bitcnt < need) {
            if (pos >= in.size()) {
                overrun = true;
                return 0;
            }
            val |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[pos++])) << static_cast<unsigned>(bitcnt);
            bitcnt += 8;
        }
        bitbuf = val >> static_cast<unsigned>(need);
        bitcnt -= need;
        return static_cast<int>(val & ((1U << static_cast<unsigned>(need)) - 1U));
    }
};

int decode(BitReader& s, const Huffman& h) {
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= 15; ++len) {
        code |= s.bits(1);
        if (s.overrun) return -1;
        const int count = h.count[static_cast<std::size_t>(len)];
        if (code - count < first) return h.symbol[static_cast<std::size_t>(index + (code - first))];
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    return -1;
}

bool construct(Huffman& h, const std::uint16_t* length, int n) {
    h.count.fill(0);
    for (int s = 0; s < n; ++s) h.count[length[s]]++;
    if (h.count[0] == n) return true;
    int left = 1;
    for (std::size_t len = 1; len <= 15; ++len) {
        left <<= 1;
        left -= h.count[len];
        if (left < 0) return false;
    }
    std::array<std::uint16_t, 16> offs{};
    for (std::size_t len = 1; len < 15; ++len) offs[len + 1] = static_cast<std::uint16_t>(offs[len] + h.count[len]);
    for (int s = 0; s < n; ++s)
        if (length[s] != 0) h.symbol[offs[length[s]]++] = static_cast<std::uint16_t>(s);
    return true;
}

constexpr std::array<std::uint16_t, 29> kLenBase = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                                    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr std::array<std::uint16_t, 29> kLenExtra = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                                     2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr std::array<std::uint16_t, 30> kDistBase = {1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
                                                     33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
                                                     1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr std::array<std::uint16_t, 30> kDistExtra = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                                      6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

bool codes(BitReader& s, std::string& out, const Huffman& lencode, const Huffman& distcode, std::uint64_t limit) {
    for (;;) {
        int symbol = decode(s, lencode);
        if (symbol < 0) return false;
        if (symbol < 256) {
            if (out.size() >= limit) return false;
            out.push_back(static_cast<char>(symbol));
        } else if (symbol == 256) {
            return true;
        } else {
            symbol -= 257;
            if (symbol >= 29) return false;
            const auto si = static_cast<std::size_t>(symbol);
            const std::size_t len = kLenBase[si] + static_cast<std::size_t>(s.bits(kLenExtra[si]));
            const int dsym = decode(s, distcode);
            if (dsym < 0 || dsym >= 30) return false;
            const auto di = static_cast<std::size_t>(dsym);
            const std::size_t dist = kDistBase[di] + static_cast<std::size_t>(s.bits(kDistExtra[di]));
            if (s.overrun || dist > out.size() || out.size() + len > limit) return false;
            const std::size_t from = out.size() - dist;
            for (std::size_t k = 0; k < len; ++k) out.push_back(out[from + k]);
        }
    }
}

bool fixed_block(BitReader& s, std::string& out, std::uint64_t limit) {
    static const auto tables = [] {
        std::pair<Huffman, Huffman> t;
        std::array<std::uint16_t, 288> lengths{};
        for (std::size_t i = 0; i < 144; ++i) lengths[i] = 8;
        for (std::size_t i = 144; i < 256; ++i) lengths[i] = 9;
        for (std::size_t i = 256; i < 280; ++i) lengths[i] = 7;
        for (std::size_t i = 280; i < 288; ++i) lengths[i] = 8;
        construct(t.first, lengths.data(), 288);
        std::array<std::uint16_t, 30> d{};
        d.fill(5);
        construct(t.second, d.data(), 30);
        return t;
    }();
    return codes(s, out, tables.first, tables.second, limit);
}

bool dynamic_block(BitReader& s, std::string& out, std::uint64_t limit) {
    static constexpr std::array<std::uint8_t, 19> kOrder = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                            11, 4,  12, 3, 13, 2, 14, 1, 15};
    const int nlen = s.bits(5) + 257;
    const int ndist = s.bits(5) + 1;
    const int ncode = s.bits(4) + 4;
    if (nlen > 286 || ndist > 30 || s.overrun) return false;
    std::array<std::uint16_t, 320> lengths{};
    for (int i = 0; i < ncode; ++i)
        lengths[kOrder[static_cast<std::size_t>(i)]] = static_cast<std::uint16_t>(s.bits(3));
    Huffman lencode, distcode;
    if (!construct(lencode, lengths.data(), 19)) return false;
    int index = 0;
    while (index < nlen + ndist) {
        int symbol = decode(s, lencode);
        if (symbol < 0) return false;
        if (symbol < 16) {
            lengths[static_cast<std::size_t>(index++)] = static_cast<std::uint16_t>(symbol);
            continue;
        }
        std::uint16_t len = 0;
        int repeat = 0;
        if (symbol == 16) {
            if (index == 0) return false;
            len = lengths[static_cast<std::size_t>(index - 1)];
            repeat = 3 + s.bits(2);
        } else if (symbol == 17) {
            repeat = 3 + s.bits(3);
        } else {
            repeat = 11 + s.bits(7);
        }
        if (index + repeat > nlen + ndist || s.overrun) return false;
        while (repeat-- > 0) lengths[static_cast<std::size_t>(index++)] = len;
    }
    if (lengths[256] == 0) return false;
    if (!construct(lencode, lengths.data(), nlen)) return false;
    if (!construct(distcode, lengths.data() + nlen, ndist)) return false;
    return codes(s, out, lencode, distcode, limit);
}

}  // namespace

std::uint32_t crc32(std::string_view data, std::uint32_t crc) {
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1U) ? 0xEDB88320U ^ (c >> 1U) : c >> 1U;
            t[i] = c;
        }
        return t;
    }();
    crc = ~crc;
    for (char ch : data) crc = table[(crc ^ static_cast<unsigned char>(ch)) & 0xFFU] ^ (crc >> 8U);
    return ~crc;
}

Result<std::string> inflate_raw(std::string_view compressed, std::uint64_t expected_size) {
    BitReader s{compressed};
    std::string out;
    out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(expected_size, 16U << 20U)));
    int last = 0;
    do {
        last = s.bits(1);
        const int type = s.bits(2);
        bool ok = false;
        if (type == 0) {
            s.bitbuf = 0;
            s.bitcnt = 0;
            if (s.pos + 4 > compressed.size()) return fail(ErrorCode::Verification, "deflate: truncated stored block");
            const auto* p = reinterpret_cast<const unsigned char*>(compressed.data() + s.pos);
            const std::size_t len = le16(p);
            if ((len ^ 0xFFFFU) != le16(p + 2)) return fail(ErrorCode::Verification, "deflate: bad stored block");
            s.pos += 4;
            if (s.pos + len > compressed.size() || out.size() + len > expected_size)
                return fail(ErrorCode::Verification, "deflate: truncated stored block");
            out.append(compressed.substr(s.pos, len));
            s.pos += len;
            ok = true;
        } else if (type == 1) {
            ok = fixed_block(s, out, expected_size);
        } else if (type == 2) {
            ok = dynamic_block(s, out, expected_size);
        }
        if (!ok || s.overrun) return fail(ErrorCode::Verification, "deflate: corrupt or truncated data");
    } while (last == 0);
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
