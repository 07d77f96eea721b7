#pragma once
// The real ActionRunner: binds the plan's actions (node.*, traffic.*, app.*, backup.*, verify*) to the
// ports of one cluster: node drivers, the traffic switch, NocoBase clients and database dumps. The ports
// come in through ClusterPorts so the same runner is unit-tested with recording fakes and run for real
// with the adapters src/wiring builds (wiring::make_cluster_ports()).
//
// Every action is idempotent (resume re-runs the step in flight). What later steps need from earlier ones
// (the pre-upgrade plugin set, the start of the 503 window) is kept in small files in the run's state
// directory, so a resumed process finds it too.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ncbctl/action_runner.hpp"
#include "ncbctl/app_client.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/node_driver.hpp"
#include "ncbctl/traffic_switch.hpp"
#include "workflow/cluster_ports.hpp"

namespace ncbctl::workflow {

class ClusterRunner final : public ActionRunner {
public:
    ClusterRunner(const Inventory& inv, ClusterPorts ports, std::string state_dir);
    Result<StepResult> run(const Step& step, const Deadline& deadline, EventSink& events) override;
    Status undo(const Step& step, const StepResult& done, const Deadline& deadline, EventSink& events) override;
    // Whether a handler exists for `action`: every action a plan or an undo names must have one (tested over
    // every workflow); an unknown action fails its step as Internal.
    static bool handles(std::string_view action);

private:
    struct NodeSlot {
        std::mutex mu;  // one operation per node driver at a time
        NodeDriverPtr driver;
    };
    struct Call {
        const Step& step;
        const Params& done;  // an undo: what the step it undoes returned; empty when running
        const Deadline& deadline;
        EventSink& events;
    };
    // One handler per action, in one table per family (node_actions.cpp, app_node_actions.cpp,
    // traffic_actions.cpp, cluster_actions.cpp); `action` lets one handler serve related actions.
    using Handler = Result<StepResult> (ClusterRunner::*)(const std::string& action, const Call&);
    using Handlers = std::vector<std::pair<std::string_view, Handler>>;
    static const Handlers& node_handlers();
    static const Handlers& app_handlers();
    static const Handlers& traffic_handlers();
    static const Handlers& cluster_handlers();
    static const Handler* handler(std::string_view action);
    Result<StepResult> dispatch(const std::string& action, const Call& c);

    // node.*: the work runs on the node's driver under its slot lock (node_actions.cpp).
    struct NodeOp {
        const Node& node;
        NodeSlot* slot = nullptr;
        std::string prefix;  // "node NAME: "
        StepResult out;
        [[nodiscard]] Result<StepResult> wrap(Status st) const;
    };
    using NodeWork = std::function<Result<StepResult>(NodeOp&, NodeDriver&)>;
    Result<StepResult> on_node(const Call& c, bool drain_first, const NodeWork& work);
    Result<StepResult> node_probe(const std::string&, const Call& c);
    Result<StepResult> node_prepare(const std::string&, const Call& c);
    Result<StepResult> node_mark_upgrade(const std::string&, const Call& c);
    Result<StepResult> node_stop(const std::string&, const Call& c);
    Result<StepResult> node_start(const std::string&, const Call& c);
    Result<StepResult> node_upgrade(const std::string&, const Call& c);
    Result<StepResult> node_rollback(const std::string&, const Call& c);

    // app.* on one node, through its API (app_node_actions.cpp).
    [[nodiscard]] Result<const Node*> target_node(const Call& c) const;
    Result<StepResult> app_wait_ready(const std::string&, const Call& c);
    Result<StepResult> app_verify(const std::string&, const Call& c);
    Result<StepResult> app_api(const std::string&, const Call& c);
    Result<StepResult> wait_ready(const Node& node, const std::string& version, const Step& step,
                                  const Deadline& deadline, EventSink& events);
    Result<StepResult> verify(const Node& node, const Step& step, const Deadline& deadline, EventSink& events);

    // traffic.* (traffic_actions.cpp).
    Result<StepResult> traffic_status(const std::string&, const Call& c);
    Result<StepResult> traffic(const std::string& action, const Call& c);

    // Cluster-wide (cluster_actions.cpp).
    Result<StepResult> verify_versions(const std::string&, const Call& c);
    Result<StepResult> database_check(const std::string&, const Call& c);
    Result<StepResult> app_record(const std::string&, const Call& c);
    Result<StepResult> backup_space(const std::string&, const Call& c);
    Result<StepResult> backup_database(const std::string&, const Call& c);
    Result<StepResult> backup_storage(const std::string&, const Call& c);
    Result<StepResult> backup_restore(const std::string& action, const Call& c);
    Result<StepResult> preflight_cluster(const std::string&, const Call& c);  // preflight_actions.cpp
    // backup.in_window: clone (clone_actions.cpp).
    [[nodiscard]] std::pair<std::string, std::string> clone_names(const Call& c) const;  // copy, failed
    Result<StepResult> clone_check(const std::string&, const Call& c);
    Result<StepResult> backup_clone(const std::string&, const Call& c);
    Result<StepResult> backup_swap(const std::string&, const Call& c);
    Result<StepResult> backup_dump_copy(const std::string&, const Call& c);
    Result<StepResult> backup_drop_copy(const std::string&, const Call& c);

    // Before node.stop: waits for the LB's open connections to the node to finish, then closes the rest
    // (src/workflow/drain.cpp). Never fails the stop; what it did goes into `out` and progress events.
    void drain(const Node& node, const Deadline& deadline, EventSink& events, StepResult& out);
    // After a node failed to come up: its service log's last lines as a progress event (node_logs.cpp).
    // `locked`: the node's driver when the caller already holds its slot.
    void show_logs(const Node& node, EventSink& events, NodeDriver* locked = nullptr);
    Result<NodeSlot*> slot(const Node& node);
    Result<TrafficSwitch*> traffic_switch();
    [[nodiscard]] std::string state_file(const std::string& name) const;
    // The run's id: the last component of its work directory (run/work_dir.hpp).
    [[nodiscard]] std::string run_id() const;

    const Inventory& inv_;
    ClusterPorts ports_;
    std::string state_dir_;
    std::mutex mu_;  // guards the maps below
    std::map<std::string, std::unique_ptr<NodeSlot>> nodes_;
    std::unique_ptr<TrafficSwitch> traffic_;
    std::mutex traffic_mu_;
};

// The app version a deployed version should report: "2.2.16-full" (image flavour) -> "2.2.16".
std::string expected_app_version(const std::string& deployed);

}  // namespace ncbctl::workflow
