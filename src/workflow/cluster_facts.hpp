#pragma once
// Reading the cluster preflight's facts (cluster_rules.hpp) from a node: its service environment, reduced to
// what the rules compare (SHA-256 digests of the secrets and cluster-mode variables, plain database host and
// name), and where it comes from. The parsers are pure; the values never leave this file undigested.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "ncbctl/inventory.hpp"
#include "ncbctl/node_driver.hpp"
#include "workflow/cluster_ports.hpp"

namespace ncbctl::workflow {

// `KEY=VALUE` lines (`env` output, a .env file): comments, blank lines and `export ` skipped, one pair of
// surrounding quotes removed; later lines win.
std::map<std::string, std::string> parse_env_lines(std::string_view text);
// systemd's `Environment=` value as `systemctl show -p Environment --value` prints it: space-separated
// assignments, an assignment with spaces quoted whole ("K=a b").
std::map<std::string, std::string> parse_systemd_environment(std::string_view text);
// supervisord's `environment=` value: KEY=val,KEY2="v a l" (a quoted value may hold commas; %% is a literal
// %, as supervisord's ini expansion reads it; %(ENV_X)s-style expansions are kept as written).
std::map<std::string, std::string> parse_supervisor_environment(std::string_view value);
// The environment supervisord gives program `program`, from its configuration (the main file and its
// [include] files, concatenated): [supervisord]'s environment= first, then [program:NAME]'s (later wins).
// A continuation line (starting with blanks) continues the value; a `;` after a blank starts a comment.
std::map<std::string, std::string> parse_supervisord_config(std::string_view config, std::string_view program);
// pm2's environment of process `process` from `pm2 jlist` (its pm2_env.env, as loaded from the ecosystem
// file or the starting shell; variables pm2 copied to pm2_env itself count too); empty when not listed.
std::map<std::string, std::string> parse_pm2_jlist_env(std::string_view jlist, std::string_view process);
// The digests and plain values the rules compare, from a full environment.
void digest_environment(const std::map<std::string, std::string>& env, std::map<std::string, std::string>& digests,
                        std::map<std::string, std::string>& plain);

// A Redis URL as NocoBase (ioredis) reads it: redis://[[user]:password@]host[:port][/db], user and password
// percent-decoded, a query ignored. nullopt: not a redis:// URL (rediss:// has no TLS client here, a socket).
std::optional<RedisAddress> parse_node_redis_url(std::string_view url);
// The cluster-mode variables that hold a Redis URL.
std::vector<std::string_view> redis_url_variables();
// Whether `host` is a loopback name or address (localhost, 127.0.0.0/8, ::1).
bool is_loopback_host(std::string_view host);
// Whether node `n`'s loopback is this machine's: an SSH node reached on loopback, without a jump host.
bool node_on_this_machine(const Node& n);

// Where an SSH node's service environment is readable (argv run on the node, in order: later ones win), and
// a Docker node's (the container's environment, from the container configuration, read by `env` in it).
enum class EnvFormat { Lines, Systemd, Supervisord, Pm2 };
struct EnvSource {
    std::string label;
    Argv argv;
    EnvFormat format = EnvFormat::Lines;
    std::string process;  // Supervisord, Pm2: the program / process name
};
std::vector<EnvSource> env_sources(const Node& n);
// What source `src` printed (`out`), parsed by its format.
std::map<std::string, std::string> parse_env_source(const EnvSource& src, std::string_view out);
// The storage directory as the node sees it (Docker: docker.upgrade_marker_dir; SSH: service.storage_path()),
// empty when not known.
std::string node_storage_dir(const Node& n);

}  // namespace ncbctl::workflow
