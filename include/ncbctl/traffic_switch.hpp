#pragma once
// The port for the load balancer in front of the nodes (src/traffic/: haproxy, nginx, command, none).
// Every change is verified by reading the LB's real state back; `verify` compares it with a wanted mode.
#include <memory>
#include <string>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"

namespace ncbctl {

// Partial: more than one node but not all of them receive traffic (`serve`, e.g. --early-traffic joins).
enum class TrafficMode { Live, Maintenance, Pinned, Unmanaged, Unknown, Partial };
std::string_view to_string(TrafficMode m) noexcept;

struct TrafficState {
    TrafficMode mode = TrafficMode::Unknown;
    std::string pinned_node;                 // when Pinned
    std::vector<std::string> serving_nodes;  // nodes currently receiving traffic
    std::string detail;                      // driver-specific description
    // Nodes the LB is set to send traffic to, health aside (serving_nodes may be fewer), inventory order.
    // What `verify` compares for Partial; drivers fill it for every mode they can read.
    std::vector<std::string> admitted_nodes;
    // The LB is not set up yet and a switch completes it (nginx: ncbctl's include file is missing and every
    // switch writes it), so `traffic live` does not require the LB to answer before it switches.
    bool first_switch = false;
};

class TrafficSwitch {
public:
    virtual ~TrafficSwitch() = default;
    TrafficSwitch() = default;
    TrafficSwitch(const TrafficSwitch&) = delete;
    TrafficSwitch& operator=(const TrafficSwitch&) = delete;

    virtual Result<TrafficState> status(const Deadline&) = 0;
    virtual Status maintenance(const Deadline&) = 0;                   // every request: 503 + Retry-After + page
    virtual Status pin(const std::string& node, const Deadline&) = 0;  // only this node serves
    virtual Status live(const Deadline&) = 0;                          // every node serves
    // Only these nodes receive traffic (set semantics, order ignored): one node is `pin`, every node is
    // `live`, the rest is Partial. Usage error for an empty set or a node not in the inventory. The default
    // handles one node as `pin` and fails Unsupported otherwise; every driver of src/traffic overrides it.
    virtual Status serve(const std::vector<std::string>& nodes, const Deadline&);
    // Reads back the real state and compares it with the wanted one; Verification error when different.
    virtual Status verify(const TrafficState& wanted, const Deadline&) = 0;
    // Draining a node that no longer receives new requests, before it stops: how many connections the LB
    // still holds open to it (requests in flight, WebSockets), and closing them once the wait is over. The
    // defaults fail Unsupported (nginx, command, none: the node stops without a drain).
    virtual Result<int> open_sessions(const std::string& node, const Deadline&);
    virtual Status close_sessions(const std::string& node, const Deadline&);
    // Reads only: what the LB lacks for ncbctl to drive it (nginx: the include file missing or not ncbctl's,
    // nginx not loading it; HAProxy: the socket below level admin, servers without NocoBase's health check),
    // one line each naming the fix (`ncbctl traffic setup`...). Empty when nothing is known to lack; the
    // default (command, none) knows nothing. Fails like `status` when the LB cannot be read.
    virtual Result<std::vector<std::string>> setup_gaps(const Deadline&);
    // Reads only: the server names the LB's backend has, whatever their state (HAProxy: `show servers
    // state`), for the cluster preflight's "serves exactly the inventory's nodes". Unsupported by default
    // (nginx: ncbctl writes its include from the inventory; command, none).
    virtual Result<std::vector<std::string>> backend_servers(const Deadline&);
};

}  // namespace ncbctl
