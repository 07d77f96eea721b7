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

// Mode from the set of nodes that receive traffic: all => Live, none => Maintenance, one => Pinned,
// anything else => Unknown (a half-switched LB). `extra_serving` counts LB servers no node maps to.
TrafficState classify(const std::vector<std::string>& serving, const std::vector<std::string>& all_nodes,
                      std::size_t extra_serving);

// Verification error naming `lb` and both states when `actual` is not `wanted`. Pinning the only node
// of a one-node cluster is the same as live.
Status compare(const TrafficState& wanted, const TrafficState& actual, const std::vector<std::string>& all_nodes,
               std::string_view lb);

// "maintenance", "pinned to app1", "live"...
std::string describe(const TrafficState& s);

std::string join(const std::vector<std::string>& items, std::string_view sep);

// Replaces every occurrence of `secret` by "***": for messages quoting a file or a command's output.
std::string redact(std::string text, const std::string& secret);

std::unique_ptr<TrafficSwitch> make_haproxy_switch(const Inventory&, std::unique_ptr<CommandRunner>);
std::unique_ptr<TrafficSwitch> make_nginx_switch(const Inventory&, std::unique_ptr<CommandRunner>);
std::unique_ptr<TrafficSwitch> make_command_switch(const Inventory&, std::unique_ptr<CommandRunner>);
std::unique_ptr<TrafficSwitch> make_none_switch(const Inventory&, std::unique_ptr<CommandRunner>);

}  // namespace ncbctl::traffic
