#pragma once
// Per-section parsing of the inventory document (schema_*.cpp) and the cross-reference checks that
// need every section (validate.cpp). Internal to src/inventory/.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "inventory/yaml_reader.hpp"
#include "ncbctl/inventory.hpp"

namespace ncbctl::inv {

// Where each node was declared, for references from other sections (canary, traffic, lock, checks).
struct NodeIndex {
    struct Entry {
        YAML::Mark mark;
        std::string driver;  // "docker", "ssh", or empty when invalid
    };
    std::map<std::string, Entry, std::less<>> by_name;
    std::vector<std::string> order;  // declaration order
};

// Places in the document that cross-reference checks report at.
struct RefMarks {
    YAML::Mark root;
    YAML::Mark canary;
    YAML::Mark traffic_via_node;
    bool has_haproxy_servers = false;
    YAML::Mark haproxy_servers;
    std::map<std::string, YAML::Mark> haproxy_server_keys;
    bool has_nginx_upstreams = false;
    YAML::Mark nginx_upstreams;
    std::map<std::string, YAML::Mark> nginx_upstream_keys;
    YAML::Mark database_run_on;
    bool has_backup = false;
    YAML::Mark backup;
    YAML::Mark backup_in_window;
    std::optional<YAML::Mark> backup_clone_strategy;  // set when the key is given
    YAML::Mark lock_node;
    struct CheckNode {
        YAML::Mark mark;
        std::string path;
    };
    std::vector<CheckNode> check_nodes;  // aligned with Inventory::checks
    bool has_database = false;
};

// Top-level keys, in the order the reference documents them.
inline const std::vector<std::string_view> kTopKeys = {"cluster", "api",    "nodes",    "canary", "traffic", "database",
                                                       "backup",  "checks", "timeouts", "hooks",  "lock"};

// The `tls:` block of a section (client certificate keys only for docker tcp:// endpoints).
void parse_tls_options(const MapView& parent, TlsOptions& tls, bool client_cert);
// api: lb_url, credentials, tls.
void parse_api(const MapView& root, Inventory& inv);
void parse_nodes(const MapView& root, Inventory& inv, NodeIndex& index);
void parse_traffic(const MapView& root, Inventory& inv, RefMarks& marks);
void parse_database(const MapView& root, Inventory& inv, RefMarks& marks);
void parse_backup(const MapView& root, Inventory& inv, RefMarks& marks);
void parse_checks(const MapView& root, Inventory& inv, RefMarks& marks);
void parse_timeouts(const MapView& root, Inventory& inv);
void parse_hooks(const MapView& root, Inventory& inv);
void parse_lock(const MapView& root, Inventory& inv, RefMarks& marks);

// Cross-references: canary, traffic coverage and via_node, database run_on, lock node, check nodes,
// backup method vs database section.
void validate_references(const Inventory& inv, const NodeIndex& index, const RefMarks& marks, Sink& sink);

// The hook events ncbctl runs hooks at.
inline const std::vector<std::string_view> kHookEvents = {
    "pre_upgrade", "post_upgrade", "pre_backup", "post_backup", "pre_maintain", "post_maintain", "on_failure",
};

}  // namespace ncbctl::inv
