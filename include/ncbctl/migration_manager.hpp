#pragma once
// The port for NocoBase's Migration manager (the commercial plugin @nocobase/plugin-migration-manager) on one
// node, as `ncbctl migrate` uses it (src/workflow/migrate_job.hpp); the NocoBase client implements it
// (src/wiring/migration.cpp).
// Failure semantics: `available` answers false when the plugin is not enabled and fails only when the node
// cannot be asked; every other call fails Unsupported when the plugin is absent, else with the app's message.
#include <string>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"

namespace ncbctl {

struct MigrationRuleInfo {
    std::string id;
    std::string name;
};

class MigrationManager {
public:
    virtual ~MigrationManager() = default;
    MigrationManager() = default;
    MigrationManager(const MigrationManager&) = delete;
    MigrationManager& operator=(const MigrationManager&) = delete;

    virtual Result<bool> available(const Deadline&) = 0;
    virtual Result<std::vector<MigrationRuleInfo>> rules(const Deadline&) = 0;
    // Generates a migration file with the rule; returns its name on the node.
    virtual Result<std::string> create(const std::string& rule_id, const std::string& title, const Deadline&) = 0;
    // Streams the file to `path`; returns its hex SHA-256.
    virtual Result<std::string> download(const std::string& name, const std::string& path, const Deadline&) = 0;
    virtual Status check(const std::string& file, const Deadline&) = 0;  // the app's dry run of the file
    virtual Status execute(const std::string& file, const Deadline&) = 0;
};

}  // namespace ncbctl
