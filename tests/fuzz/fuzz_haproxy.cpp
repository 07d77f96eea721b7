// HAProxy's runtime API answers (`show servers state`, `show stat` CSV, replies to `set server`) as a
// hostile or broken LB could send them: parsed or refused, never a crash. The input is split at the
// first NUL: servers state before, show stat after; without one, the whole input is both (so the
// recorded answers in tests/data/traffic seed it as they are).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "traffic/haproxy_runtime.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const auto nul = all.find('\0');
    const std::string_view state = all.substr(0, nul);
    const std::string_view stat = nul == std::string_view::npos ? all : all.substr(nul + 1);
    auto servers = ncbctl::traffic::parse_servers_state(state);
    if (servers) (void)ncbctl::traffic::merge_show_stat(stat, *servers);
    (void)ncbctl::traffic::check_set_reply(all, "fuzz");
    return 0;
}
