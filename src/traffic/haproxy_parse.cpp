#include <charconv>
#include <map>

#include "traffic/haproxy_runtime.hpp"

namespace ncbctl::traffic {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || s[i] == sep) {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    return out;
}

std::vector<std::string_view> lines(std::string_view s) {
    auto out = split(s, '\n');
    for (auto& l : out)
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    return out;
}

int to_int(std::string_view s) {
    int v = -1;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc{} && p == s.data() + s.size() ? v : -1;
}

std::string first_text_line(std::string_view reply) {
    for (auto l : lines(reply))
        if (l.find_first_not_of(" \t") != std::string_view::npos) return std::string(l);
    return {};
}

}  // namespace

Result<std::vector<HaproxyServer>> parse_servers_state(std::string_view text) {
    auto ls = lines(text);
    std::size_t i = 0;
    while (i < ls.size() && ls[i].empty()) ++i;
    if (i == ls.size() || ls[i] != "1")
        return fail(ErrorCode::Protocol, "haproxy 'show servers state' answered '" + first_text_line(text) +
                                             "' instead of format 1; is the socket at level admin?");
    ++i;
    if (i == ls.size() || !ls[i].starts_with("# "))
        return fail(ErrorCode::Protocol, "haproxy 'show servers state' has no header line");
    auto header = split(ls[i].substr(2), ' ');
    std::map<std::string_view, std::size_t> col;
    for (std::size_t c = 0; c < header.size(); ++c) col[header[c]] = c;
    for (auto name : {"be_name", "srv_name", "srv_op_state", "srv_admin_state"})
        if (!col.contains(name))
            return fail(ErrorCode::Protocol, std::string("haproxy 'show servers state' lacks column ") + name);
    std::vector<HaproxyServer> out;
    for (++i; i < ls.size(); ++i) {
        if (ls[i].empty() || ls[i].starts_with('#')) continue;
        auto f = split(ls[i], ' ');
        if (f.size() < header.size())
            return fail(ErrorCode::Protocol, "haproxy 'show servers state' line is truncated: " + std::string(ls[i]));
        HaproxyServer s;
        s.backend = f[col["be_name"]];
        s.name = f[col["srv_name"]];
        s.op_state = to_int(f[col["srv_op_state"]]);
        s.admin_state = to_int(f[col["srv_admin_state"]]);
        out.push_back(std::move(s));
    }
    return out;
}

Status merge_show_stat(std::string_view csv, std::vector<HaproxyServer>& servers) {
    auto ls = lines(csv);
    std::size_t h = 0;
    while (h < ls.size() && !ls[h].starts_with("# pxname")) ++h;
    if (h == ls.size()) return fail(ErrorCode::Protocol, "haproxy 'show stat' answered without its CSV header");
    auto header = split(ls[h].substr(2), ',');
    std::size_t status_col = header.size();
    std::size_t scur_col = header.size();
    std::size_t check_col = header.size();
    for (std::size_t c = 0; c < header.size(); ++c) {
        if (header[c] == "status") status_col = c;
        if (header[c] == "scur") scur_col = c;
        if (header[c] == "check_status") check_col = c;
    }
    if (status_col == header.size()) return fail(ErrorCode::Protocol, "haproxy 'show stat' has no status column");
    for (std::size_t i = h + 1; i < ls.size(); ++i) {
        auto f = split(ls[i], ',');
        if (f.size() <= status_col) continue;
        for (auto& s : servers) {
            if (s.backend != f[0] || s.name != f[1]) continue;
            s.status = f[status_col];
            if (scur_col < f.size()) s.sessions = to_int(f[scur_col]);
            if (check_col < f.size()) s.check = f[check_col];
        }
    }
    return {};
}

std::vector<std::string> haproxy_setup_gaps(std::string_view cli_level_reply, const std::vector<HaproxyServer>& servers,
                                            std::string_view backend, std::string_view socket) {
    std::vector<std::string> gaps;
    const std::string level = first_text_line(cli_level_reply);
    if (level == "user" || level == "operator")
        gaps.push_back("the stats socket " + std::string(socket) + " is at level " + level +
                       ": ncbctl needs 'stats socket " + std::string(socket) +
                       " mode 600 level admin' in global (`ncbctl traffic setup` prints it)");
    std::string unchecked;
    std::string tcp_only;
    for (const auto& s : servers) {
        const bool none = s.check.empty() || s.status == "no check";
        if (none) unchecked += (unchecked.empty() ? "" : ",") + s.name;
        if (!none && (s.check.starts_with("L4OK") || s.check.starts_with("L6OK")))
            tcp_only += (tcp_only.empty() ? "" : ",") + s.name;
    }
    const std::string fix =
        " add 'option httpchk GET /api/__health_check' and 'http-check expect status 200' to "
        "backend " +
        std::string(backend) + " and 'check' to its servers (`ncbctl traffic setup` prints it)";
    if (!unchecked.empty())
        gaps.push_back("backend " + std::string(backend) + " servers " + unchecked +
                       " have no health check, so HAProxy sends traffic to a node that is not ready:" + fix);
    if (!tcp_only.empty())
        gaps.push_back("backend " + std::string(backend) + " servers " + tcp_only +
                       " pass a TCP-level health check, not NocoBase's readiness (a booting node would get "
                       "traffic):" +
                       fix);
    return gaps;
}

Status check_set_reply(std::string_view reply, std::string_view where) {
    const std::string err = first_text_line(reply);
    if (err.empty()) return {};
    const bool denied = err.find("ermission denied") != std::string::npos;
    const bool missing = err.find("No such") != std::string::npos || err.find("an't find") != std::string::npos;
    auto code = denied ? ErrorCode::Auth : missing ? ErrorCode::NotFound : ErrorCode::Remote;
    std::string hint = denied ? "; the stats socket needs 'level admin'" : "";
    return fail(code, std::string(where) + " refused the change: " + err + hint);
}

}  // namespace ncbctl::traffic
