#pragma once
// Shared by the traffic drivers: comparing a wanted state with the state read back from the LB, and the
// per-driver factories that factory.cpp puts in its name table.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ncbctl/command_runner.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/traffic_switch.hpp"

namespace ncbctl::traffic {

// Node names in inventory order.
std::vector<std::string> node_names(const Inventory& inv);

// Mode from the set of nodes that receive traffic: all => Live, none => Maintenance, one => Pinned, some
// => Partial; Unknown when LB servers no node maps to (`extra_serving`) also receive traffic (a
// half-switched LB). Sets serving_nodes and admitted_nodes to `serving`.
TrafficState classify(const std::vector<std::string>& serving, const std::vector<std::string>& all_nodes,
                      std::size_t extra_serving);

// The state `serve(nodes)` must reach (nodes put in inventory order, duplicates dropped), or a Usage error
// for an empty set or a node not in `all_nodes`.
Result<TrafficState> serve_target(const std::vector<std::string>& nodes, const std::vector<std::string>& all_nodes);

// Verification error naming `lb` and both states when `actual` is not `wanted`. Pinning the only node
// of a one-node cluster is the same as live.
Status compare(const TrafficState& wanted, const TrafficState& actual, const std::vector<std::string>& all_nodes,
               std::string_view lb);

// "maintenance", "pinned to app1", "live", "partial (app1,app3)"...
std::string describe(const TrafficState& s);

std::string join(const std::vector<std::string>& items, std::string_view sep);

// Replaces every occurrence of `secret` by "***": for messages quoting a file or a command's output.
std::string redact(std::string text, const std::string& secret);

std::unique_ptr<TrafficSwitch> make_haproxy_switch(const Inventory&, std::unique_ptr<CommandRunner>);
std::unique_ptr<TrafficSwitch> make_nginx_switch(const Inventory&, std::unique_ptr<CommandRunner>);
std::unique_ptr<TrafficSwitch> make_command_switch(const Inventory&, std::unique_ptr<CommandRunner>);
std::unique_ptr<TrafficSwitch> make_none_switch(const Inventory&, std::unique_ptr<CommandRunner>);

}  // namespace ncbctl::traffic
