// The inventory loader on arbitrary text: diagnostics or an inventory, never a crash, a leak, a hang
// or unbounded memory (the node and depth bounds hold before yaml-cpp builds its tree).
#include <cstddef>
#include <cstdint>
#include <string>

#include "ncbctl/inventory.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto inv = ncbctl::parse_inventory(text, "fuzz.yaml");
    if (!inv) {
        for (const auto& d : inv.error()) (void)d.to_string();
    }
    return 0;
}
