// `traffic setup` on the LB host: the runner where traffic.via_node says, then the generators of src/traffic.
#include "traffic/traffic_setup.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::wiring {

Result<TrafficSetupOutcome> set_up_traffic(const Inventory& inv, const TrafficSetupRequest& req, const Deadline& d) {
    auto lb = make_runner(inv.traffic.via_node, inv);
    if (!lb) return fail(lb.error());
    return traffic::set_up_traffic(inv, **lb, req, d);
}

}  // namespace ncbctl::wiring
