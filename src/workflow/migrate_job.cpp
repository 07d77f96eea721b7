#include "workflow/migrate_job.hpp"

#include <chrono>
#include <filesystem>

namespace ncbctl::workflow {

using namespace std::chrono_literals;

ExitCode migrate(const Inventory& inv, MigratePorts& ports, const MigrateRequest& req, std::ostream& out,
                 std::ostream& err) {
    const Node* node = req.node.empty() ? &inv.canary_node() : inv.find_node(req.node);
    if (node == nullptr) {
        err << "ncbctl: --node " << req.node << " is not a node of " << inv.source_path << '\n';
        return ExitCode::Usage;
    }
    auto manager = ports.manager(*node);
    const Deadline deadline = Deadline::after(std::chrono::duration_cast<Duration>(inv.timeouts.upgrade));
    auto available = manager->available(Deadline::after(60s));
    if (!available) {
        err << "ncbctl: node " << node->name << ": " << available.error().message << '\n';
        return ExitCode::Preflight;
    }
    if (!*available) {
        err << "ncbctl: node " << node->name
            << ": the Migration manager (commercial plugin @nocobase/plugin-migration-manager) is not enabled; "
               "install and enable it under a NocoBase licence, then run ncbctl migrate again\n";
        return ExitCode::Preflight;
    }
    if (req.what == "rules") {
        auto rules = manager->rules(deadline);
        if (!rules) {
            err << "ncbctl: " << rules.error().message << '\n';
            return ExitCode::Failed;
        }
        for (const auto& r : *rules) out << r.id << '\t' << r.name << '\n';
        return ExitCode::Ok;
    }
    // Changes go under the cluster lock like every workflow.
    auto lock = ports.lock("migrate " + req.what);
    if (!lock) {
        err << "ncbctl: " << lock.error().message << '\n';
        return lock.error().exit;
    }
    if (req.what == "create") {
        auto name = manager->create(req.rule, req.title, deadline);
        if (!name) {
            err << "ncbctl: " << name.error().message << '\n';
            return ExitCode::Failed;
        }
        const std::string dir = inv.backup.destination.empty() ? "." : inv.backup.destination;
        const std::string path = (std::filesystem::path(dir) / *name).string();
        auto sum = manager->download(*name, path, deadline);
        if (!sum) {
            err << "ncbctl: " << sum.error().message << '\n';
            return ExitCode::Failed;
        }
        out << "migration " << path << " sha256 " << *sum << '\n';
        return ExitCode::Ok;
    }
    if (auto check = manager->check(req.file, deadline); !check) {
        err << "ncbctl: " << check.error().message << '\n';
        return ExitCode::Preflight;
    }
    if (auto st = manager->execute(req.file, deadline); !st) {
        err << "ncbctl: " << st.error().message << '\n';
        return ExitCode::Failed;
    }
    out << "migration " << req.file << " applied on node " << node->name << '\n';
    return ExitCode::Ok;
}

}  // namespace ncbctl::workflow
