#pragma once
// The real ActionRunner: binds the plan's actions (node.*, traffic.*, app.*, backup.*, verify*) to the
// ports of one cluster: node drivers, the traffic switch, NocoBase clients and database dumps. The ports
// come in through ClusterPorts so the same runner is unit-tested with recording fakes and run for real
// with the drivers of src/drivers, src/traffic and src/nocobase (see make_cluster_ports()).
//
// Every action is idempotent (resume re-runs the step in flight). What later steps need from earlier ones
// (the pre-upgrade plugin set, the start of the 503 window) is kept in small files in the run's state
// directory, so a resumed process finds it too.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ncbctl/action_runner.hpp"
#include "ncbctl/app_client.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/node_driver.hpp"
#include "ncbctl/traffic_switch.hpp"

namespace ncbctl::workflow {

struct ClusterPorts {
    std::function<Result<NodeDriverPtr>(const Node&)> node_driver;
    std::function<Result<std::unique_ptr<AppClient>>(const Node&)> node_app;  // the node's direct URL
    std::function<Result<std::unique_ptr<TrafficSwitch>>()> traffic;
    // GET on the load-balanced URL: status code and Retry-After (for "verified through the LB").
    std::function<Result<std::pair<long, std::string>>(const std::string& path, const Deadline&)> lb_get;
    std::function<Status(const Deadline&)> database_check;
    std::function<Result<std::uint64_t>(const Deadline&)> database_size;
    std::function<Result<Params>(const std::string& base_name, const Deadline&)> database_dump;  // path, sha256...
    std::function<Status(const std::string& path, const Deadline&)> database_restore;
    std::function<Result<Params>(const std::string& base_name, const Deadline&)> storage_archive;
    std::function<Status(const std::string& path, const Deadline&)> storage_restore;
};

// Real ports for an inventory (drivers by explicit tables, libcurl clients, pg_dump).
ClusterPorts make_cluster_ports(const Inventory& inv);

class ClusterRunner final : public ActionRunner {
public:
    ClusterRunner(const Inventory& inv, ClusterPorts ports, std::string state_dir);
    Result<StepResult> run(const Step& step, const Deadline& deadline, EventSink& events) override;
    Status undo(const Step& step, const StepResult& done, const Deadline& deadline, EventSink& events) override;

private:
    struct NodeSlot {
        std::mutex mu;  // one operation per node driver at a time
        NodeDriverPtr driver;
    };
    Result<StepResult> node_action(const std::string& action, const Step& step, const Params& done,
                                   const Deadline& deadline, EventSink& events);
    Result<StepResult> cluster_action(const std::string& action, const Step& step, const Params& done,
                                      const Deadline& deadline, EventSink& events);
    Result<StepResult> wait_ready(const Node& node, const std::string& version, const Step& step,
                                  const Deadline& deadline, EventSink& events);
    Result<StepResult> verify(const Node& node, const Step& step, const Deadline& deadline, EventSink& events);
    Result<StepResult> verify_versions(const Step& step, const Deadline& deadline);
    Result<StepResult> traffic(const std::string& action, const Step& step, const Deadline& deadline,
                               EventSink& events);
    // Before node.stop: waits for the LB's open connections to the node to finish, then closes the rest
    // (src/workflow/drain.cpp). Never fails the stop; what it did goes into `out` and progress events.
    void drain(const Node& node, const Deadline& deadline, EventSink& events, StepResult& out);
    // After a node failed to come up: its service log's last lines as a progress event (node_logs.cpp).
    // `locked`: the node's driver when the caller already holds its slot.
    void show_logs(const Node& node, EventSink& events, NodeDriver* locked = nullptr);
    Result<NodeSlot*> slot(const Node& node);
    Result<TrafficSwitch*> traffic_switch();
    [[nodiscard]] std::string state_file(const std::string& name) const;

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
