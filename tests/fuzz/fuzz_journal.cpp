// The journal reader (`runs`, `resume`) on arbitrary bytes: a record or an error, never a crash.
#include <cstddef>
#include <cstdint>

#include "memfd_path.hpp"
#include "run/journal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ncbctl::fuzz::MemFile file(data, size);
    if (!file.ok()) return 0;
    auto rec = ncbctl::read_journal(file.path());
    if (rec) (void)rec->resumable();
    return 0;
}
