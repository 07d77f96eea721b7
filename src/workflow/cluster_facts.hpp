#pragma once
// Reading the cluster preflight's facts (cluster_rules.hpp) from a node: its service environment, reduced to
// what the rules compare (SHA-256 digests of the secrets and cluster-mode variables, plain database host and
// name), and where it comes from. The parsers are pure; the values never leave this file undigested.
#include <map>
#include <string>
#include <string_view>

#include "ncbctl/inventory.hpp"
#include "ncbctl/node_driver.hpp"

namespace ncbctl::workflow {

// `KEY=VALUE` lines (`env` output, a .env file): comments, blank lines and `export ` skipped, one pair of
// surrounding quotes removed; later lines win.
std::map<std::string, std::string> parse_env_lines(std::string_view text);
// systemd's `Environment=` value as `systemctl show -p Environment --value` prints it: space-separated
// assignments, an assignment with spaces quoted whole ("K=a b").
std::map<std::string, std::string> parse_systemd_environment(std::string_view text);
// The digests and plain values the rules compare, from a full environment.
void digest_environment(const std::map<std::string, std::string>& env, std::map<std::string, std::string>& digests,
                        std::map<std::string, std::string>& plain);

// Where an SSH node's service environment is readable (argv run on the node, in order: later ones win), and
// a Docker node's (the container's environment, from the container configuration, read by `env` in it).
struct EnvSource {
    std::string label;
    Argv argv;
    bool systemd = false;  // parse as systemctl show output
};
std::vector<EnvSource> env_sources(const Node& n);
// The storage directory as the node sees it (Docker: docker.upgrade_marker_dir; SSH: service.storage_path()),
// empty when not known.
std::string node_storage_dir(const Node& n);

}  // namespace ncbctl::workflow
