// The backup verifier's zip reader on arbitrary bytes, through its public API only (zip_list, then
// zip_read of each entry with a small cap): entries or an error, never a crash or a huge allocation.
#include <cstddef>
#include <cstdint>

#include "memfd_path.hpp"
#include "nocobase/zip_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ncbctl::fuzz::MemFile file(data, size);
    if (!file.ok()) return 0;
    auto entries = ncbctl::nocobase::zip_list(file.path());
    if (!entries) return 0;
    for (std::size_t i = 0; i < entries->size() && i < 16; ++i)
        (void)ncbctl::nocobase::zip_read(file.path(), (*entries)[i], 1U << 20U);
    return 0;
}
