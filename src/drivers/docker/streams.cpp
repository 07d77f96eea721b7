#include "drivers/docker/streams.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace ncbctl::docker {

void FrameDemuxer::append(std::string& to, std::string_view data) {
    const std::size_t room = to.size() < cap_ ? cap_ - to.size() : 0;
    const std::size_t take = std::min(room, data.size());
    to.append(data.substr(0, take));
    dropped_ += data.size() - take;
}

void FrameDemuxer::feed(std::string_view chunk) {
    while (!chunk.empty()) {
        if (remaining_ == 0) {
            const std::size_t need = 8 - header_fill_;
            const std::size_t take = std::min(need, chunk.size());
            for (std::size_t i = 0; i < take; ++i) header_[header_fill_ + i] = static_cast<unsigned char>(chunk[i]);
            header_fill_ += take;
            chunk.remove_prefix(take);
            if (header_fill_ < 8) return;
            header_fill_ = 0;
            stream_ = header_[0];
            remaining_ = (std::uint32_t{header_[4]} << 24) | (std::uint32_t{header_[5]} << 16) |
                         (std::uint32_t{header_[6]} << 8) | std::uint32_t{header_[7]};
            continue;
        }
        const std::size_t take = std::min<std::size_t>(remaining_, chunk.size());
        const bool is_err = stream_ == 2 && !merged_;
        if (!is_err && sink_) {
            if (!sink_failed_ && !sink_(chunk.substr(0, take))) sink_failed_ = true;
        } else {
            append(is_err ? err_ : out_, chunk.substr(0, take));
        }
        remaining_ -= static_cast<std::uint32_t>(take);
        chunk.remove_prefix(take);
    }
}

bool LineSplitter::feed(std::string_view chunk) {
    while (!chunk.empty()) {
        const auto nl = chunk.find('\n');
        const std::string_view part = chunk.substr(0, nl);
        if (!skipping_) {
            const std::size_t room = max_ - line_.size();
            line_.append(part.substr(0, std::min(room, part.size())));
            if (part.size() > room) skipping_ = true;
        }
        if (nl == std::string_view::npos) return true;
        chunk.remove_prefix(nl + 1);
        skipping_ = false;
        std::string line;
        line.swap(line_);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty() && !sink_(line)) return false;
    }
    return true;
}

bool LineSplitter::finish() {
    if (line_.empty()) return true;
    std::string line;
    line.swap(line_);
    skipping_ = false;
    return sink_(line);
}

std::string single_file_tar(std::string_view name, std::string_view content, unsigned mode) {
    std::string header(512, '\0');
    auto put = [&](std::size_t off, std::size_t len, std::string_view v) {
        std::copy_n(v.data(), std::min(len, v.size()), header.begin() + static_cast<std::ptrdiff_t>(off));
    };
    auto octal = [&](std::size_t off, std::size_t len, unsigned long long v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%0*llo", static_cast<int>(len - 1), v);
        put(off, len - 1, buf);
    };
    put(0, 100, name);
    octal(100, 8, mode);
    octal(108, 8, 0);  // uid
    octal(116, 8, 0);  // gid
    octal(124, 12, content.size());
    octal(136, 12, static_cast<unsigned long long>(std::time(nullptr)));
    put(148, 8, "        ");  // checksum counts as spaces while summing
    header[156] = '0';
    put(257, 6, "ustar");
    put(263, 2, "00");
    unsigned sum = 0;
    for (char c : header) sum += static_cast<unsigned char>(c);
    char chk[8];
    std::snprintf(chk, sizeof chk, "%06o", sum);
    put(148, 7, std::string_view(chk, 7));  // six digits, NUL, then the space already there
    std::string out = header;
    out.append(content);
    out.append((512 - content.size() % 512) % 512, '\0');
    out.append(1024, '\0');
    return out;
}

std::string base64url(std::string_view data) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        const auto n = (static_cast<unsigned>(static_cast<unsigned char>(data[i])) << 16) |
                       (static_cast<unsigned>(static_cast<unsigned char>(data[i + 1])) << 8) |
                       static_cast<unsigned char>(data[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (i < data.size()) {
        unsigned n = static_cast<unsigned>(static_cast<unsigned char>(data[i])) << 16;
        if (i + 1 < data.size()) n |= static_cast<unsigned>(static_cast<unsigned char>(data[i + 1])) << 8;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += (i + 1 < data.size()) ? kAlphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

}  // namespace ncbctl::docker
