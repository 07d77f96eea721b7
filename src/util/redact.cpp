#include "util/redact.hpp"

namespace ncbctl::util {

std::string redact_url(std::string_view url) {
    std::string out;
    std::string_view rest = url;
    if (const auto scheme = rest.find("://"); scheme != std::string_view::npos) {
        out.append(rest.substr(0, scheme + 3));
        rest.remove_prefix(scheme + 3);
        const auto end = rest.find_first_of("/?#");
        const std::string_view authority = rest.substr(0, end);
        if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
            out += "***";
            rest.remove_prefix(at);  // keeps "@host..."
        }
    }
    const auto q = rest.find_first_of("?#");
    out.append(rest.substr(0, q));
    if (q == std::string_view::npos) return out;
    rest.remove_prefix(q);
    if (rest.front() == '?') {
        const auto hash = rest.find('#');
        std::string_view query = rest.substr(1, hash == std::string_view::npos ? rest.npos : hash - 1);
        out += '?';
        bool first = true;
        while (true) {
            const auto amp = query.find('&');
            const std::string_view param = query.substr(0, amp);
            if (!first) out += '&';
            first = false;
            if (const auto eq = param.find('='); eq != std::string_view::npos)
                out.append(param.substr(0, eq + 1)).append("***");
            else if (!param.empty())
                out += "***";
            if (amp == std::string_view::npos) break;
            query.remove_prefix(amp + 1);
        }
        rest = hash == std::string_view::npos ? std::string_view() : rest.substr(hash);
    }
    if (!rest.empty()) out += "#***";
    return out;
}

}  // namespace ncbctl::util
