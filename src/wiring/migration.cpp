// The Migration manager port over the node's NocoBase client.
#include "nocobase/client.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::wiring {
namespace {

class NocoBaseMigrations final : public MigrationManager {
public:
    explicit NocoBaseMigrations(std::unique_ptr<nocobase::NocoBaseClient> c) : c_(std::move(c)) {}
    Result<bool> available(const Deadline& d) override { return c_->migration_available(d); }
    Result<std::vector<MigrationRuleInfo>> rules(const Deadline& d) override {
        auto r = c_->migration_rules(d);
        if (!r) return fail(r.error());
        std::vector<MigrationRuleInfo> out;
        for (const auto& rule : *r) out.push_back({rule.id, rule.name});
        return out;
    }
    Result<std::string> create(const std::string& rule_id, const std::string& title, const Deadline& d) override {
        return c_->migration_create(rule_id, title, d);
    }
    Result<std::string> download(const std::string& name, const std::string& path, const Deadline& d) override {
        return c_->migration_download(name, path, d);
    }
    Status check(const std::string& file, const Deadline& d) override {
        auto r = c_->migration_check(file, d);
        if (!r) return fail(r.error());
        return {};
    }
    Status execute(const std::string& file, const Deadline& d) override { return c_->migration_execute(file, d); }

private:
    std::unique_ptr<nocobase::NocoBaseClient> c_;
};

}  // namespace

std::unique_ptr<MigrationManager> make_migration_manager(const Node& node, const Inventory& inv) {
    return std::make_unique<NocoBaseMigrations>(nocobase::make_app_client(node, inv));
}

}  // namespace ncbctl::wiring
