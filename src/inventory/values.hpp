#pragma once
// Checks of single inventory values, independent of YAML. Each check returns the problem as a message
// fragment ("is not a safe name: ...") or nullopt when the value is acceptable. They decide what may
// later reach a shell, a URL or a command line, so they are deliberately narrow.
#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ncbctl::inv {

using Problem = std::optional<std::string>;

// A value from the inventory as shown inside a message: `value` when printable, else util::quote's escaped
// form ("a\x1b[2J"); cut after 80 characters. Every echoed key and value goes through it.
std::string shown(std::string_view s);

// Node, container, unit, process, cluster names: [A-Za-z0-9][A-Za-z0-9_.@-]*, at most 128 chars.
Problem check_safe_name(std::string_view s);
// Environment variable names: [A-Za-z_][A-Za-z0-9_]*.
Problem check_env_name(std::string_view s);
// http:// or https:// URL with a host, optional port 1-65535, no credentials, no whitespace.
Problem check_http_url(std::string_view s);
// Host name, IPv4 or IPv6 address (never starting with '-', so it cannot become an ssh option).
Problem check_host(std::string_view s);
// host:port (nginx upstream server).
Problem check_host_port(std::string_view s);
// ProxyJump value: [user@]host[:port], comma-separated hops.
Problem check_jump_host(std::string_view s);
// Login name for ssh.
Problem check_user(std::string_view s);
// Absolute path on a node: only [A-Za-z0-9_./@%+=:,~-], so it is safe inside a remote command.
Problem check_remote_path(std::string_view s);
// Unix socket path reached through socat (HAProxy's admin socket): a remote path of only letters, digits and
// `_./@+~-`, so it cannot carry socat address syntax (`,bind=FILE,unlink-close`).
Problem check_socket_path(std::string_view s);
// Value of an environment variable given to a remote service command: no control characters.
Problem check_env_value(std::string_view s);
// Path on this machine: no control characters, not starting with '-'.
Problem check_local_path(std::string_view s);
// Docker image repository without tag or digest: registry[:port]/name/...
Problem check_image(std::string_view s);
// "Key=value" or "Key value" for ssh -o: an option on the allowlist of util/ssh_options.hpp with a safe value.
Problem check_ssh_option(std::string_view s);
// HTTP header name: letters, digits and '-' (it ends up in load-balancer configuration).
Problem check_header_name(std::string_view s);
// An IP address or CIDR.
Problem check_cidr(std::string_view s);
// Path of an HTTP check: starts with '/', no whitespace or control characters.
Problem check_http_path(std::string_view s);
// RFC 6901 JSON pointer: empty or starting with '/'.
Problem check_json_pointer(std::string_view s);

// "30s", "5m", "1h", "2d", "1h30m" or a plain number of seconds. Nullopt when malformed or zero.
std::optional<std::chrono::seconds> parse_duration(std::string_view s);
// The same syntax for how long to wait, where zero ("0", "0s", "0m") means do not wait at all.
std::optional<std::chrono::seconds> parse_wait(std::string_view s);

// A command written as one string: split on blanks. Refuses shell syntax (quotes, $, ;, |, &, <, >,
// backslash, backquote, globs, parentheses, #) because commands never run through a local shell.
std::expected<std::vector<std::string>, std::string> split_command(std::string_view s);

// Every {{placeholder}} in s must be one of `allowed` (names without braces).
Problem check_placeholders(std::string_view s, const std::vector<std::string_view>& allowed);

// A parsed Docker engine endpoint: unix:///path, tcp://host[:port], ssh://[user@]host[:port].
struct Endpoint {
    std::string scheme;
    std::string path;  // unix
    std::string user;  // ssh
    std::string host;  // tcp, ssh
    int port = 0;      // 0 => default
};
std::expected<Endpoint, std::string> parse_endpoint(std::string_view s);

// A Redis URL: redis://[user@]host[:port][/db]. No password in it (a secret reference gives it), db 0-15
// by default range of redis.conf's `databases` (up to 10000 accepted here: the server says if it has fewer).
// rediss:// (TLS) is refused with what to do: Debian 12's hiredis (0.14) has no TLS support.
struct RedisUrl {
    bool tls = false;  // rediss://
    std::string user;
    std::string host;  // IPv6 without brackets
    int port = 6379;
    int db = 0;
};
std::expected<RedisUrl, std::string> parse_redis_url(std::string_view s);
// A Redis key for the lock: 1-512 printable ASCII characters, no blanks.
Problem check_redis_key(std::string_view s);

}  // namespace ncbctl::inv
