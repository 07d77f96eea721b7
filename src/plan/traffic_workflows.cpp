#include "plan/traffic_workflows.hpp"
#include "util/quote.hpp"

#include "ncbctl/actions.hpp"
#include "plan/workflows.hpp"

namespace ncbctl::plan {
namespace {

Step cluster_step(const Inventory& inv, std::string id, std::string_view action) {
    Step s;
    s.id = std::move(id);
    s.target = std::string(kClusterTarget);
    s.action = std::string(action);
    s.timeout = std::chrono::duration_cast<Duration>(inv.timeouts.command);
    s.retry = {3, Duration{2000}};
    return s;
}

Plan traffic_plan(const Inventory& inv, const std::string& mode, std::string title, Params args,
                  Params preflight = {}) {
    Plan plan;
    plan.workflow = "traffic-" + mode;
    plan.args = std::move(args);
    plan.inventory_hash = inv.content_hash;

    Phase pre;
    pre.name = "preflight";
    pre.title = "read the load balancer's state; change nothing";
    pre.always = true;
    pre.failure_exit = ExitCode::Preflight;
    pre.steps.push_back(cluster_step(inv, "preflight/traffic", actions::kTrafficStatus));
    pre.steps.back().params = std::move(preflight);
    plan.phases.push_back(std::move(pre));

    Phase sw;
    sw.name = "traffic";
    sw.title = std::move(title);
    sw.failure_exit = ExitCode::Failed;
    sw.needs = {"preflight"};
    auto s = cluster_step(inv, "traffic/" + mode, "traffic." + mode);
    s.params = plan.args;
    sw.steps.push_back(std::move(s));
    plan.phases.push_back(std::move(sw));

    plan.fingerprint = plan_fingerprint(plan.inventory_hash, plan.workflow, plan.args);
    return plan;
}

}  // namespace

Result<Plan> build_traffic_maintenance(const Inventory& inv) {
    return traffic_plan(inv, "maintenance", "load balancer to 503 + Retry-After, verified through the LB", {});
}

Result<Plan> build_traffic_live(const Inventory& inv) {
    // `live` is also the first switch of an LB being set up (nginx whose include is missing cannot answer).
    return traffic_plan(inv, "live", "every node serves, verified through the LB", {}, {{"first_switch", "true"}});
}

Result<Plan> build_traffic_pin(const Inventory& inv, const std::string& node) {
    if (inv.find_node(node) == nullptr) {
        std::string names;
        for (const auto& n : inv.nodes) names += (names.empty() ? "" : ", ") + n.name;
        return fail(ErrorCode::Usage, "traffic pin: " + util::quote(node) + " is not a node of " + inv.source_path +
                                          " (" + (names.empty() ? "it lists none" : names) + ")");
    }
    return traffic_plan(inv, "pin", "only " + node + " serves, verified through the LB", {{"node", node}});
}

}  // namespace ncbctl::plan
