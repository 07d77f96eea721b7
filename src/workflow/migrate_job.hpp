#pragma once
// `ncbctl migrate rules|create|apply` as a use case over the MigrationManager port: a capability check
// first (when the commercial plugin is not enabled on the node: exit 3 with one line, nothing else
// happens), then the listing, or under the cluster lock the change: create downloads the generated file into
// backup.destination (else the current directory), apply checks the file and executes it. Not journaled.
// Output: stdout the result (rules as "ID<TAB>NAME" lines), stderr "ncbctl: <why>" on failure.
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "ncbctl/exit_code.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/migration_manager.hpp"
#include "workflow/job_lock.hpp"

namespace ncbctl::workflow {

struct MigratePorts {
    TakeLock lock;
    std::function<std::unique_ptr<MigrationManager>(const Node&)> manager;
};

struct MigrateRequest {
    std::string what;  // rules | create | apply
    std::string node;  // empty: the canary
    std::string rule;  // create
    std::string title;
    std::string file;  // apply
};

ExitCode migrate(const Inventory& inv, MigratePorts& ports, const MigrateRequest& req, std::ostream& out = std::cout,
                 std::ostream& err = std::cerr);

}  // namespace ncbctl::workflow
