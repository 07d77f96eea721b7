#pragma once
// Streaming SHA-256 (OpenSSL EVP): constant memory for any input size. Used for inventory hashes,
// plan fingerprints and backup checksums.
#include <memory>
#include <string>
#include <string_view>

#include "ncbctl/error.hpp"

namespace ncbctl::util {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;

    void update(std::string_view data);
    std::string hex_digest();  // finishes; call once

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(std::string_view data);
Result<std::string> sha256_file_hex(const std::string& path);  // streams the file

}  // namespace ncbctl::util
