#pragma once
// The ssh options an inventory may pass (`ssh.options`), shared by the inventory schema (which refuses the
// rest at load time, exit 2 with file:line) and the ssh transport (which checks again before building argv,
// whoever filled the target). An allowlist: ssh has options that run commands (ProxyCommand, LocalCommand,
// KnownHostsCommand), defeat host keys (UserKnownHostsFile=/dev/null with accept-new, HostKeyAlias,
// UpdateHostKeys), redirect the connection (HostName, ProxyJump, Port), load code (SecurityKeyProvider,
// PKCS11Provider), open forwards (DynamicForward, LocalForward, RemoteForward, GatewayPorts) or leak the
// environment (SendEnv, SetEnv, ForwardAgent); new ones arrive with each OpenSSH release. Only options
// that tune how the connection is made are allowed. The list is documented in docs/inventory.md
// ("nodes[].ssh") and docs/security.md.
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ncbctl::util {

struct SshOption {
    std::string key;    // as spelled in ssh_config(5), e.g. "ServerAliveInterval"
    std::string value;  // e.g. "15"
    [[nodiscard]] std::string text() const { return key + "=" + value; }  // what is passed to `ssh -o`
};

// Option names an inventory may give (ssh_config(5) spelling), in the order documented.
std::span<const std::string_view> allowed_ssh_options();

// Parses one option written `Key=value` or `Key value` (key case-insensitive, as ssh reads it) and checks it:
// the key must be on the allowlist and the value made of letters, digits and `_./@%+=:,~-` only (no blank, so
// it stays one value). On failure, a message fragment: "ssh option `X` is set by ncbctl itself; use ...",
// "ssh option `X` is not allowed ...", "`...` is not an ssh option ...".
std::optional<std::string> ssh_option_problem(std::string_view option);
// The parsed, normalized option; nullopt when ssh_option_problem() reports a problem.
std::optional<SshOption> parse_ssh_option(std::string_view option);

// True when `options` (as given in the inventory) set `key` (case-insensitive).
bool sets_ssh_option(std::span<const std::string> options, std::string_view key);

}  // namespace ncbctl::util
