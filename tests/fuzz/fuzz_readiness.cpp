// The NocoBase answer classifier (gateway errors, health, app:getInfo) on arbitrary answers: a phase,
// never a crash. Input in the form of the recorded answers in tests/data/nocobase:
// "STATUS CONTENT-TYPE\nBODY" (a first line without a number is a transport error). The body also goes
// through app_error_text() and printable().
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nocobase/readiness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const auto nl = all.find('\n');
    const std::string_view head = all.substr(0, nl);
    ncbctl::nocobase::ProbeAnswer a;
    const auto [end, ec] = std::from_chars(head.data(), head.data() + head.size(), a.status);
    if (ec != std::errc{}) {
        a.transport = ncbctl::Error(ncbctl::ErrorCode::Unreachable, std::string(head));
    } else {
        const std::string_view ct = head.substr(static_cast<std::size_t>(end - head.data()));
        a.content_type = std::string(
            ct.substr(ct.find_first_not_of(' ') == std::string_view::npos ? ct.size() : ct.find_first_not_of(' ')));
    }
    if (nl != std::string_view::npos) a.body = std::string(all.substr(nl + 1));
    (void)ncbctl::nocobase::classify_answer(a);
    const ncbctl::nocobase::ProbeAnswer ok{
        .transport = std::nullopt, .status = 200, .content_type = "application/json", .body = "{\"data\":\"ok\"}"};
    (void)ncbctl::nocobase::classify_node(ok, a);
    (void)ncbctl::nocobase::classify_node(a, std::nullopt);
    (void)ncbctl::nocobase::app_error_text(a.body);
    (void)ncbctl::nocobase::printable(a.body, 1U + size % 300U);
    return 0;
}
