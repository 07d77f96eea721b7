// The cluster preflight's load-balancer check (docs/preflight.md, check `lb`) against the harness's real
// HAProxy (backend `be`: srv-app1..3): an inventory that lists only two of its servers gets an error naming
// the third; listing all three passes. The nodes are not what is tested here: a node stands in that answers
// its probe and has no readable environment (not checkable), so only the LB's answer decides.
#include <algorithm>

#include "fakes/node_stub.hpp"
#include "lb_peers.hpp"
#include "wiring/wiring.hpp"
#include "workflow/cluster_preflight.hpp"

using namespace ncbctl;
using namespace ncbctl::traffic_test;

namespace {

workflow::PreflightReport preflight(const Inventory& inv) {
    auto ports = wiring::make_cluster_ports(inv);
    ports.node_driver = [](const Node& n) -> Result<NodeDriverPtr> {
        return std::make_unique<testing::NodeStub>(n.name);
    };
    auto r = workflow::run_cluster_preflight(inv, ports, false, soon());
    for (const auto& l : r.lines) UNSCOPED_INFO(l);
    return r;
}

std::vector<std::string> lb_errors(const workflow::PreflightReport& r) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < r.lines.size(); ++i)
        if (r.details[i].at("finding") == "lb" && r.details[i].at("severity") == "error") out.push_back(r.lines[i]);
    return out;
}

}  // namespace

TEST_CASE("cluster preflight: an HAProxy server the inventory does not list is an error", "[traffic][preflight]") {
    auto inv = haproxy_inventory();
    inv.nodes.pop_back();  // app3 (srv-app3) is no longer the inventory's, but HAProxy still serves it
    inv.traffic.servers.erase("app3");
    auto r = preflight(inv);
    CHECK_FALSE(r.ok);
    auto errors = lb_errors(r);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::Contains("does not list: srv-app3"));
    CHECK_THAT(r.error, Catch::Contains("srv-app3"));
}

TEST_CASE("cluster preflight: an inventory that names exactly HAProxy's servers passes the lb check",
          "[traffic][preflight]") {
    auto r = preflight(haproxy_inventory());
    CHECK(lb_errors(r).empty());
    // A node the backend lacks is an error too: the inventory's app3 mapped to a server HAProxy does not have.
    auto inv = haproxy_inventory();
    inv.traffic.servers["app3"] = "srv-app9";
    auto missing = preflight(inv);
    auto errors = lb_errors(missing);
    CHECK(errors.size() == 2);  // srv-app3 unknown, app3 (srv-app9) missing
    CHECK(std::ranges::any_of(errors, [](const std::string& e) { return e.find("does not serve app3") != e.npos; }));
}
