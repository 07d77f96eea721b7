#include "inventory/values.hpp"

#include "util/plain_path.hpp"
#include "util/quote.hpp"
#include "util/ssh_options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ncbctl::inv {

namespace {

bool is_alnum(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool is_control(char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}
bool all_of(std::string_view s, auto pred) {
    return std::all_of(s.begin(), s.end(), pred);
}

std::optional<int> parse_port(std::string_view s) {
    int port = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || port < 1 || port > 65535) return std::nullopt;
    return port;
}

// Splits "host[:port]" (IPv6 in brackets); reports a bad port or host.
Problem check_authority_host_port(std::string_view hp, std::string_view whole, bool need_port) {
    std::string_view host = hp;
    std::string_view port;
    if (hp.starts_with('[')) {
        auto close = hp.find(']');
        if (close == std::string_view::npos) return shown(whole) + " has an unclosed `[` in its host";
        host = hp.substr(1, close - 1);
        auto rest = hp.substr(close + 1);
        if (!rest.empty()) {
            if (!rest.starts_with(':')) return shown(whole) + " has junk after the IPv6 address";
            port = rest.substr(1);
        }
        if (host.empty() ||
            !all_of(host, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; }))
            return shown(whole) + " has a bad IPv6 address";
    } else {
        auto colon = hp.rfind(':');
        if (colon != std::string_view::npos) {
            host = hp.substr(0, colon);
            port = hp.substr(colon + 1);
        }
        if (host.empty()) return shown(whole) + " has no host";
        if (auto p = check_host(host)) return shown(whole) + ": host " + *p;
    }
    if (!port.empty() || hp.ends_with(':')) {
        if (!parse_port(port)) return shown(whole) + " has a port out of range (1 to 65535)";
    } else if (need_port) {
        return shown(whole) + " needs a port (host:port)";
    }
    return std::nullopt;
}

// "host[:port]" or "[v6][:port]" that check_authority_host_port accepted: the host without brackets, and
// the port when one is given (else `port` is left as it is).
void split_host_port(std::string_view hp, std::string& host_out, int& port) {
    std::string_view host = hp;
    if (hp.starts_with('[')) {
        const auto close = hp.find(']');
        host = hp.substr(1, close - 1);
        hp = hp.substr(close + 1);
        if (hp.starts_with(':')) port = *parse_port(hp.substr(1));
    } else if (auto colon = hp.rfind(':'); colon != std::string_view::npos) {
        host = hp.substr(0, colon);
        port = *parse_port(hp.substr(colon + 1));
    }
    host_out = std::string(host);
}

}  // namespace

std::string shown(std::string_view s) {
    const std::string_view cut = s.substr(0, 80);
    const std::string more = s.size() > 80 ? "..." : "";
    // util::quote: escape sequences, newlines, invalid UTF-8 and bidi controls never reach the terminal raw.
    if (util::is_printable(cut)) return "`" + std::string(cut) + more + "`";
    return util::quote(cut) + more;
}

Problem check_safe_name(std::string_view s) {
    const bool ok = !s.empty() && s.size() <= 128 && is_alnum(s.front()) &&
                    all_of(s, [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '@' || c == '-'; });
    if (ok) return std::nullopt;
    return shown(s) + " is not a safe name (letters, digits and `_.@-`, starting with a letter or digit)";
}

Problem check_env_name(std::string_view s) {
    const bool ok = !s.empty() && (std::isalpha(static_cast<unsigned char>(s.front())) || s.front() == '_') &&
                    all_of(s, [](char c) { return is_alnum(c) || c == '_'; });
    if (ok) return std::nullopt;
    return shown(s) + " is not an environment variable name (letters, digits and `_`, e.g. NCB_TOKEN)";
}

Problem check_http_url(std::string_view s) {
    std::string_view rest;
    if (s.starts_with("http://"))
        rest = s.substr(7);
    else if (s.starts_with("https://"))
        rest = s.substr(8);
    else
        return shown(s) + " is not an http:// or https:// URL";
    if (!all_of(s, [](char c) { return !is_control(c) && c != ' '; }))
        return shown(s) + " contains whitespace or control characters";
    const auto end = rest.find_first_of("/?#");
    const std::string_view authority = rest.substr(0, end);
    if (authority.find('@') != std::string_view::npos)
        return "URL must not contain credentials (`user@`); give them with token_env/token_file";
    if (authority.empty()) return shown(s) + " has no host";
    return check_authority_host_port(authority, s, false);
}

Problem check_host(std::string_view s) {
    if (s.empty()) return std::string("is empty");
    if (s.front() == '-' || s.front() == '.') return shown(s) + " must start with a letter or digit";
    const bool ok = s.size() <= 253 &&
                    all_of(s, [](char c) { return is_alnum(c) || c == '.' || c == '-' || c == ':' || c == '_'; });
    if (ok) return std::nullopt;
    return shown(s) + " is not a host name or IP address";
}

Problem check_host_port(std::string_view s) {
    if (s.empty()) return std::string("is empty");
    return check_authority_host_port(s, s, true);
}

Problem check_user(std::string_view s) {
    const bool ok = !s.empty() && s.size() <= 64 && (is_alnum(s.front()) || s.front() == '_') &&
                    all_of(s, [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
    if (ok) return std::nullopt;
    return shown(s) + " is not a user name (letters, digits and `_.-`)";
}

Problem check_jump_host(std::string_view s) {
    if (s.empty()) return std::string("is empty");
    std::size_t start = 0;
    while (start <= s.size()) {
        auto comma = s.find(',', start);
        std::string_view hop = s.substr(start, comma == std::string_view::npos ? s.npos : comma - start);
        if (auto at = hop.find('@'); at != std::string_view::npos) {
            if (auto p = check_user(hop.substr(0, at))) return "jump host " + shown(s) + ": user " + *p;
            hop = hop.substr(at + 1);
        }
        if (hop.empty()) return "jump host " + shown(s) + " has an empty hop";
        if (auto p = check_authority_host_port(hop, s, false)) return "jump host " + *p;
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return std::nullopt;
}

Problem check_remote_path(std::string_view s) {
    if (!s.starts_with('/')) return shown(s) + " is not an absolute path";
    const bool ok = all_of(s, [](char c) {
        return is_alnum(c) || c == '_' || c == '.' || c == '/' || c == '@' || c == '%' || c == '+' || c == '=' ||
               c == ':' || c == ',' || c == '~' || c == '-';
    });
    if (ok) return std::nullopt;
    return shown(s) + " contains characters unsafe on a remote command line (allowed: letters, digits, `_./@%+=:,~-`)";
}

Problem check_socket_path(std::string_view s) {
    if (auto p = check_remote_path(s)) return p;
    if (util::is_plain_path(s)) return std::nullopt;
    return shown(s) + " is not a plain socket path (allowed: " + std::string(util::kPlainPathChars) +
           "; `,` `:` `=` would be read as socat address options)";
}

Problem check_env_value(std::string_view s) {
    if (all_of(s, [](char c) { return !is_control(c); })) return std::nullopt;
    return shown(s) + " contains control characters";
}

Problem check_local_path(std::string_view s) {
    if (s.empty()) return std::string("is empty");
    if (s.front() == '-') return shown(s) + " must not start with `-`";
    if (!all_of(s, [](char c) { return !is_control(c); })) return shown(s) + " contains control characters";
    return std::nullopt;
}

Problem check_image(std::string_view s) {
    const bool chars_ok = !s.empty() && is_alnum(s.front()) && all_of(s, [](char c) {
        return (is_alnum(c) && !std::isupper(static_cast<unsigned char>(c))) || c == '.' || c == '_' || c == '-' ||
               c == '/' || c == ':';
    });
    if (!chars_ok && s.find('@') == std::string_view::npos)
        return shown(s) + " is not an image repository (lowercase letters, digits and `._-/:`)";
    if (s.find('@') != std::string_view::npos)
        return shown(s) + " must not pin a digest; give the repository only (the version comes from --to)";
    const auto slash = s.rfind('/');
    const auto colon = s.rfind(':');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash))
        return shown(s) + " must not include a tag; give the repository only (the version comes from --to)";
    return std::nullopt;
}

Problem check_ssh_option(std::string_view s) {
    return util::ssh_option_problem(s);
}

Problem check_header_name(std::string_view s) {
    // Narrower than RFC 9110's token: the name is written into load-balancer configuration.
    const bool ok = !s.empty() && is_alnum(s.front()) && all_of(s, [](char c) { return is_alnum(c) || c == '-'; });
    if (ok) return std::nullopt;
    return shown(s) + " is not an HTTP header name (letters, digits and `-`)";
}

Problem check_cidr(std::string_view s) {
    const bool ok = !s.empty() && all_of(s, [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '/';
    });
    if (ok) return std::nullopt;
    return shown(s) + " is not an IP address or CIDR";
}

Problem check_http_path(std::string_view s) {
    if (!s.starts_with('/')) return shown(s) + " must start with `/`";
    if (!all_of(s, [](char c) { return !is_control(c) && c != ' '; }))
        return shown(s) + " contains whitespace or control characters";
    return std::nullopt;
}

Problem check_json_pointer(std::string_view s) {
    if (s.empty() || s.starts_with('/')) return std::nullopt;
    return shown(s) + " is not a JSON pointer (it starts with `/`, e.g. /data/version)";
}

namespace {

// Total seconds of a duration, zero included; nullopt when malformed or longer than a year.
std::optional<long long> duration_seconds(std::string_view s) {
    if (s.empty()) return std::nullopt;
    long long total = 0;
    std::size_t i = 0;
    bool any = false;
    std::size_t last_rank = 4;  // index in "smhd" of the previous unit; 4: none yet
    while (i < s.size()) {
        std::size_t j = i;
        while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
        if (j == i) return std::nullopt;
        long long n = 0;
        auto [p, ec] = std::from_chars(s.data() + i, s.data() + j, n);
        if (ec != std::errc{} || n > 10'000'000) return std::nullopt;
        long long unit = 1;
        if (j < s.size()) {
            // Each unit at most once, largest first ("1h30m"): "1s1s1s" or "30s1m" is a typo, not a sum.
            const auto rank = std::string_view("smhd").find(s[j]);
            if (rank != std::string_view::npos) {
                if (rank >= last_rank) return std::nullopt;
                last_rank = rank;
            }
            switch (s[j]) {
                case 's':
                    unit = 1;
                    break;
                case 'm':
                    unit = 60;
                    break;
                case 'h':
                    unit = 3600;
                    break;
                case 'd':
                    unit = 86400;
                    break;
                default:
                    return std::nullopt;
            }
            ++j;
        } else if (any) {
            return std::nullopt;  // "1m30" is ambiguous
        }
        total += n * unit;
        any = true;
        i = j;
    }
    if (total < 0 || total > 365LL * 86400) return std::nullopt;
    return total;
}

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view s) {
    auto total = duration_seconds(s);
    if (!total || *total == 0) return std::nullopt;
    return std::chrono::seconds(*total);
}

std::optional<std::chrono::seconds> parse_wait(std::string_view s) {
    auto total = duration_seconds(s);
    if (!total) return std::nullopt;
    return std::chrono::seconds(*total);
}

std::expected<std::vector<std::string>, std::string> split_command(std::string_view s) {
    // Braces are legal only inside {{placeholders}}; check_placeholders() validates those.
    static constexpr std::string_view kShell = "'\"\\`$;&|<>()*?[]#!\n\r";
    for (char c : s) {
        if (kShell.find(c) != std::string_view::npos) {
            std::string shown_c = c == '\n' || c == '\r' ? std::string("newline") : "`" + std::string(1, c) + "`";
            return std::unexpected("contains shell syntax (" + shown_c +
                                   "); commands run without a shell: write it as a list, e.g. [sh, -c, \"...\"]");
        }
    }
    std::vector<std::string> argv;
    std::string cur;
    for (char c : s) {
        if (c == ' ' || c == '\t') {
            if (!cur.empty()) argv.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) argv.push_back(std::move(cur));
    if (argv.empty()) return std::unexpected(std::string("is an empty command"));
    return argv;
}

Problem check_placeholders(std::string_view s, const std::vector<std::string_view>& allowed) {
    std::size_t pos = 0;
    while ((pos = s.find("{{", pos)) != std::string_view::npos) {
        const auto end = s.find("}}", pos + 2);
        if (end == std::string_view::npos) return "has `{{` without a closing `}}`";
        const std::string_view name = s.substr(pos + 2, end - pos - 2);
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
            std::string list;
            for (auto a : allowed) list += (list.empty() ? "" : ", ") + ("{{" + std::string(a) + "}}");
            return "unknown placeholder `{{" + std::string(name) + "}}`" +
                   (list.empty() ? std::string("; none is allowed here") : "; allowed here: " + list);
        }
        pos = end + 2;
    }
    return std::nullopt;
}

std::expected<Endpoint, std::string> parse_endpoint(std::string_view s) {
    Endpoint ep;
    if (s.starts_with("unix://")) {
        ep.scheme = "unix";
        ep.path = std::string(s.substr(7));
        if (auto p = check_remote_path(ep.path)) return std::unexpected("unix socket path " + *p);
        return ep;
    }
    std::string_view rest;
    if (s.starts_with("tcp://")) {
        ep.scheme = "tcp";
        rest = s.substr(6);
    } else if (s.starts_with("ssh://")) {
        ep.scheme = "ssh";
        rest = s.substr(6);
    } else {
        return std::unexpected(shown(s) + " is not a Docker endpoint (unix:///path, tcp://host:port, ssh://user@host)");
    }
    if (rest.ends_with('/')) rest.remove_suffix(1);
    if (rest.find('/') != std::string_view::npos) return std::unexpected(shown(s) + " must not have a path");
    if (auto at = rest.find('@'); at != std::string_view::npos) {
        if (ep.scheme != "ssh") return std::unexpected(shown(s) + " must not contain credentials");
        ep.user = std::string(rest.substr(0, at));
        if (auto p = check_user(ep.user)) return std::unexpected("user " + *p);
        rest = rest.substr(at + 1);
    }
    if (rest.empty()) return std::unexpected(shown(s) + " has no host");
    if (auto p = check_authority_host_port(rest, s, false)) return std::unexpected(*p);
    split_host_port(rest, ep.host, ep.port);
    return ep;
}

std::expected<RedisUrl, std::string> parse_redis_url(std::string_view s) {
    RedisUrl url;
    url.tls = s.starts_with("rediss://");
    if (!url.tls && !s.starts_with("redis://"))
        return std::unexpected(shown(s) + " is not a redis:// or rediss:// URL");
    if (!all_of(s, [](char c) { return !is_control(c) && c != ' '; }))
        return std::unexpected(shown(s) + " contains whitespace or control characters");
    std::string_view rest = s.substr(url.tls ? 9 : 8);
    std::string_view path;
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        path = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
    }
    if (rest.find_first_of("?#") != std::string_view::npos || path.find_first_of("?#") != std::string_view::npos)
        return std::unexpected(shown(s) + " must not have query parameters; give the other settings as keys");
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        const std::string_view cred = rest.substr(0, at);
        if (cred.find(':') != std::string_view::npos)
            return std::unexpected(
                "the Redis URL must not contain a password; give it with password_env or password_file");
        url.user = std::string(cred);
        if (auto p = check_user(url.user)) return std::unexpected("Redis user " + *p);
        rest = rest.substr(at + 1);
    }
    if (rest.empty()) return std::unexpected(shown(s) + " has no host");
    if (auto p = check_authority_host_port(rest, s, false)) return std::unexpected(*p);
    split_host_port(rest, url.host, url.port);
    if (!path.empty()) {
        int db = -1;
        auto [p, ec] = std::from_chars(path.data(), path.data() + path.size(), db);
        if (ec != std::errc{} || p != path.data() + path.size() || db < 0 || db > 10000)
            return std::unexpected(shown(s) + ": the path is the database index (0, 1, ...), got `" +
                                   std::string(path.substr(0, 40)) + "`");
        url.db = db;
    }
    return url;
}

Problem check_redis_key(std::string_view s) {
    if (s.empty()) return std::string("is empty");
    if (s.size() > 512) return std::string("is longer than 512 characters");
    const bool ok = all_of(s, [](char c) { return c > 0x20 && c < 0x7f; });
    if (ok) return std::nullopt;
    return shown(s) + " must be printable ASCII without blanks (e.g. ncbctl:lock:prod)";
}

}  // namespace ncbctl::inv
