#pragma once
// The one wiring place: the only code that knows the concrete adapters (Docker and SSH drivers, the load
// balancer drivers, the NocoBase client, database dumps, lock backends) and builds them from the inventory.
// Everything it returns is a port (include/ncbctl) or a bundle of ports, so orchestration (src/plan,
// src/run, src/workflow) and the commands see ports only. Each table below is explicit: a new driver is one
// line here and one adapter file, never static self-registration.
#include <memory>
#include <string>

#include "ncbctl/action_runner.hpp"
#include "ncbctl/app_client.hpp"
#include "ncbctl/command_runner.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/lock.hpp"
#include "ncbctl/migration_manager.hpp"
#include "ncbctl/node_driver.hpp"
#include "ncbctl/tool_runner.hpp"
#include "ncbctl/traffic_setup.hpp"
#include "ncbctl/traffic_switch.hpp"
#include "workflow/backup_ports.hpp"
#include "workflow/cluster_ports.hpp"

namespace ncbctl::wiring {

// node.driver -> the Docker (Engine API) or SSH (OpenSSH) driver.
Result<NodeDriverPtr> make_node_driver(const Node& node, const Inventory& inv);
// Where a command runs: locally when `node` is empty, else on that node (SSH nodes only).
Result<std::unique_ptr<CommandRunner>> make_runner(const std::string& node, const Inventory& inv);
// traffic.driver (haproxy | nginx | command | none), its commands run where traffic.via_node says.
Result<std::unique_ptr<TrafficSwitch>> make_traffic_switch(const Inventory& inv);
// The same with the commands' runner given (null: this machine). Never null: an unknown driver name yields
// a switch whose every call fails with an Inventory error.
std::unique_ptr<TrafficSwitch> make_traffic_switch(const Inventory& inv, std::unique_ptr<CommandRunner> runner);
// `traffic setup`: the LB configuration generated from the inventory, read and (nginx, `write`) written on
// the LB host (traffic.via_node, else this machine) by src/traffic/traffic_setup.
Result<TrafficSetupOutcome> set_up_traffic(const Inventory& inv, const TrafficSetupRequest& req, const Deadline& d);
// The node's NocoBase HTTP API client (libcurl).
std::unique_ptr<AppClient> make_app_client(const Node& node, const Inventory& inv);
// The Migration manager (commercial plugin) of the node, over its NocoBase client.
std::unique_ptr<MigrationManager> make_migration_manager(const Node& node, const Inventory& inv);
// lock.backend: `local` (flock in the state dir), `node` (shared, on lock.node over SSH) or `redis` (shared,
// one key in lock.redis.url).
Result<std::unique_ptr<LockBackend>> make_lock_backend(const Inventory& inv, const std::string& state_dir);
// Every port the workflows' actions use, real.
workflow::ClusterPorts make_cluster_ports(const Inventory& inv);
// Where the database tools run (database.run_on): this machine, an ssh node's host, a docker node's
// container, or a named container on the first docker node's engine. Inventory error for a run_on that names
// no node of the right driver.
Result<std::unique_ptr<ToolRunner>> make_tool_runner(const Inventory& inv);
// The backup jobs' ports, real (the lock left for the command); `ping_base`: --ping's Healthchecks-style base
// URL added to backup.ping_*.
workflow::BackupPorts make_backup_ports(const Inventory& inv, const std::string& ping_base);
// The real ActionRunner; `work_dir` keeps what later steps of one run need from earlier ones.
Result<std::unique_ptr<ActionRunner>> make_action_runner(const Inventory& inv, const std::string& work_dir);

}  // namespace ncbctl::wiring
