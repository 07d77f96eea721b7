// The node.* family: each action on one node's driver, under that node's slot lock.
#include <functional>

#include "ncbctl/actions.hpp"
#include "workflow/cluster_runner.hpp"
#include "workflow/state_files.hpp"

namespace ncbctl::workflow {

const ClusterRunner::Handlers& ClusterRunner::node_handlers() {
    static const Handlers table = {
        {actions::kNodeProbe, &ClusterRunner::node_probe},
        {actions::kNodePrepare, &ClusterRunner::node_prepare},
        {actions::kNodeMarkUpgrade, &ClusterRunner::node_mark_upgrade},
        {actions::kNodeStop, &ClusterRunner::node_stop},
        {actions::kNodeStart, &ClusterRunner::node_start},
        {actions::kNodeUpgrade, &ClusterRunner::node_upgrade},
        {actions::kNodeRollback, &ClusterRunner::node_rollback},
    };
    return table;
}

Result<StepResult> ClusterRunner::on_node(const Call& c, bool drain_first, const NodeWork& work) {
    const Node* node = inv_.find_node(c.step.target);
    if (node == nullptr) return fail(ErrorCode::Internal, "step " + c.step.id + ": no node " + c.step.target);
    NodeOp op{.node = *node, .prefix = "node " + node->name + ": "};
    auto s = slot(*node);
    if (!s) return fail(s.error().with_context(op.prefix));
    op.slot = *s;
    // Lock order: traffic_mu_ may be taken first and a node slot inside it (a readiness gate that fetches a
    // failing node's logs), never the reverse; so the drain runs before this node's slot is locked.
    if (drain_first) drain(*node, c.deadline, c.events, op.out);
    std::lock_guard lock(op.slot->mu);
    return work(op, *op.slot->driver);
}

Result<StepResult> ClusterRunner::NodeOp::wrap(Status st) const {
    if (!st) return fail(st.error().message.starts_with(prefix) ? st.error() : st.error().with_context(prefix));
    return out;
}

Result<StepResult> ClusterRunner::node_probe(const std::string&, const Call& c) {
    return on_node(c, false, [&](NodeOp& op, NodeDriver& d) -> Result<StepResult> {
        auto p = d.probe(c.deadline);
        if (!p) return fail(p.error().with_context(op.prefix));
        if (!p->reachable) return fail(ErrorCode::Unreachable, op.prefix + "unreachable: " + p->detail, true);
        op.out.details = {{"service", std::string(to_string(p->service))}, {"deployed", p->deployed_version}};
        if (p->service == ServiceState::Missing)
            return fail(ErrorCode::NotFound, op.prefix + "service not found (" + p->detail + "); check the inventory");
        const std::string to = param(c.step.params, std::string(actions::kUnchangedIfDeployed));
        if (!to.empty() && p->service == ServiceState::Running && p->deployed_version == to)
            op.out.details[std::string(actions::kUnchanged)] = op.node.name + " runs " + to + " already";
        return op.out;
    });
}

Result<StepResult> ClusterRunner::node_prepare(const std::string&, const Call& c) {
    return on_node(c, false, [&](NodeOp& op, NodeDriver& d) {
        return op.wrap(d.prepare(param(c.step.params, "version"), c.deadline));
    });
}

Result<StepResult> ClusterRunner::node_mark_upgrade(const std::string&, const Call& c) {
    return on_node(c, false, [&](NodeOp& op, NodeDriver& d) { return op.wrap(d.mark_upgrade(c.deadline)); });
}

Result<StepResult> ClusterRunner::node_stop(const std::string&, const Call& c) {
    return on_node(c, true, [&](NodeOp& op, NodeDriver& d) -> Result<StepResult> {
        if (auto st = d.stop(c.deadline); !st) return op.wrap(st);
        auto p = d.probe(c.deadline);  // verified stopped, not just asked to stop
        if (!p) return fail(p.error().with_context(op.prefix));
        if (p->service == ServiceState::Running)
            return fail(ErrorCode::Verification, op.prefix + "still running after stop (" + p->detail + ")", true);
        // A stop command that exits 0 for a service it does not know (supervisorctl 3) is caught here.
        if (p->service == ServiceState::Missing)
            return fail(ErrorCode::NotFound, op.prefix + "service not found (" + p->detail + "); check the inventory");
        return op.out;
    });
}

Result<StepResult> ClusterRunner::node_start(const std::string&, const Call& c) {
    return on_node(c, false, [&](NodeOp& op, NodeDriver& d) -> Result<StepResult> {
        if (auto st = d.start(c.deadline); !st) {
            // A service that exits at once (FATAL, failed unit) says why in its log; a transport error is
            // retried and has no log to show.
            if (!st.error().transient) show_logs(op.node, c.events, &d);
            return op.wrap(st);
        }
        if (param(c.step.params, "wait_ready") == "true") {
            op.slot->mu.unlock();  // the wait uses the node's API, not its driver
            auto r = wait_ready(op.node, "", c.step, c.deadline, c.events);
            op.slot->mu.lock();
            if (!r) return fail(r.error());
        }
        return op.out;
    });
}

Result<StepResult> ClusterRunner::node_upgrade(const std::string&, const Call& c) {
    return on_node(c, false, [&](NodeOp& op, NodeDriver& d) -> Result<StepResult> {
        // Record what was deployed before, once: a re-run after a crash must not record the new version.
        const std::string record = state_file("previous-" + op.node.name);
        std::string previous = read_small_file(record);
        if (previous.empty()) {
            auto p = d.probe(c.deadline);
            if (!p) return fail(p.error().with_context(op.prefix));
            previous = p->deployed_version;
            if (previous.empty())
                return fail(ErrorCode::Verification, op.prefix +
                                                         "cannot tell which version is deployed; refusing to "
                                                         "upgrade without a way back");
            if (auto w = write_small_file(record, previous); !w) return fail(w.error());
        }
        const std::string to = param(c.step.params, "version");
        if (previous != to) {
            if (auto st = d.upgrade(to, c.deadline); !st) return op.wrap(st);
        }
        op.out.details = {{"previous_version", previous}, {"version", to}};
        return op.out;
    });
}

Result<StepResult> ClusterRunner::node_rollback(const std::string&, const Call& c) {
    return on_node(c, false, [&](NodeOp& op, NodeDriver& d) -> Result<StepResult> {
        std::string previous = param(c.done, "previous_version");
        if (previous.empty()) previous = param(c.step.params, "previous_version");  // `ncbctl rollback RUN`
        if (previous.empty()) previous = read_small_file(state_file("previous-" + op.node.name));
        if (previous.empty())
            return fail(ErrorCode::Internal, op.prefix + "no previous version recorded to roll back to");
        if (auto st = d.stop(c.deadline); !st) return op.wrap(st);
        if (auto st = d.rollback(previous, c.deadline); !st) return op.wrap(st);
        op.out.details = {{"version", previous}};
        return op.out;
    });
}

}  // namespace ncbctl::workflow
