#include "util/ssh_options.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace ncbctl::util {

namespace {

constexpr std::array<std::string_view, 20> kAllowed = {
    "AddressFamily",
    "CASignatureAlgorithms",
    "CheckHostIP",
    "Ciphers",
    "Compression",
    "ConnectionAttempts",
    "HashKnownHosts",
    "HostKeyAlgorithms",
    "IPQoS",
    "KexAlgorithms",
    "LogLevel",
    "MACs",
    "PreferredAuthentications",
    "PubkeyAcceptedAlgorithms",
    "PubkeyAcceptedKeyTypes",
    "PubkeyAuthentication",
    "RekeyLimit",
    "ServerAliveCountMax",
    "ServerAliveInterval",
    "TCPKeepAlive",
};

// Options ncbctl sets on every connection (or from an inventory key): one given in `options` would be
// ignored (for ssh the first value wins) or fight ncbctl's own, so it is refused naming what to use instead.
struct Owned {
    std::string_view key;
    std::string_view use;  // empty: nothing to set, ncbctl decides
};
constexpr std::array<Owned, 13> kOwned = {{
    {"BatchMode", ""},
    {"ControlMaster", ""},
    {"ControlPath", ""},
    {"ControlPersist", ""},
    {"StrictHostKeyChecking", "ssh.host_key_checking (strict or accept-new)"},
    {"UserKnownHostsFile", "ssh.known_hosts_file"},
    {"GlobalKnownHostsFile", "ssh.known_hosts_file"},
    {"IdentityFile", "ssh.identity_file"},
    {"IdentitiesOnly", "ssh.identity_file (ncbctl adds IdentitiesOnly=yes with it)"},
    {"ProxyJump", "ssh.jump_host"},
    {"Port", "the node's ssh port (or the port of the ssh:// endpoint)"},
    {"User", "the node's ssh user (or the user of the ssh:// endpoint)"},
    {"ConnectTimeout", "timeouts.connect"},
}};

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

bool value_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("_./@%+=:,~-").find(c) != std::string_view::npos;
}

// The option as shown in a message: printable ASCII only, cut at 80 characters.
std::string shown(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 80))
        out += static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f ? '?' : c;
    if (s.size() > 80) out += "...";
    return "`" + out + "`";
}

struct Split {
    std::string_view key, value;
};

// `Key=value`, `Key value`, `Key = value`: ssh's own -o syntax.
std::optional<Split> split(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && std::isalnum(static_cast<unsigned char>(s[i])) != 0) ++i;
    if (i == 0 || std::isalpha(static_cast<unsigned char>(s[0])) == 0) return std::nullopt;
    Split out{s.substr(0, i), {}};
    auto blank = [&] {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    };
    const std::size_t key_end = i;
    blank();
    if (i < s.size() && s[i] == '=') {
        ++i;
        blank();
    } else if (i == key_end) {
        return std::nullopt;  // neither `=` nor a blank after the key
    }
    out.value = s.substr(i);
    if (out.value.empty()) return std::nullopt;
    return out;
}

}  // namespace

std::span<const std::string_view> allowed_ssh_options() {
    return kAllowed;
}

std::optional<std::string> ssh_option_problem(std::string_view option) {
    auto parts = split(option);
    if (!parts) return shown(option) + " is not an ssh option (Key=value or Key value)";
    for (const auto& o : kOwned)
        if (iequal(parts->key, o.key))
            return "ssh option `" + std::string(o.key) + "` is set by ncbctl itself" +
                   (o.use.empty() ? std::string("; remove it") : "; use " + std::string(o.use));
    const auto it = std::ranges::find_if(kAllowed, [&](std::string_view a) { return iequal(a, parts->key); });
    if (it == kAllowed.end())
        return "ssh option " + shown(parts->key) +
               " is not allowed: only options that tune the connection are (see docs/inventory.md, nodes[].ssh "
               "options)";
    if (!std::ranges::all_of(parts->value, value_char))
        return shown(option) + " has an unsafe value (allowed: letters, digits, `_./@%+=:,~-`)";
    return std::nullopt;
}

std::optional<SshOption> parse_ssh_option(std::string_view option) {
    if (ssh_option_problem(option)) return std::nullopt;
    auto parts = split(option);
    const auto it = std::ranges::find_if(kAllowed, [&](std::string_view a) { return iequal(a, parts->key); });
    return SshOption{std::string(*it), std::string(parts->value)};
}

bool sets_ssh_option(std::span<const std::string> options, std::string_view key) {
    return std::ranges::any_of(options, [&](const std::string& o) {
        auto parts = split(o);
        return parts && iequal(parts->key, key);
    });
}

}  // namespace ncbctl::util
