#pragma once
// A recording fake of the MigrationManager port: whether the plugin is there, scripted failures, and every
// call recorded in order ("available app1", "create 7 t", "execute /m.nbdata"...).
#include <optional>
#include <string>
#include <vector>

#include "ncbctl/migration_manager.hpp"

namespace ncbctl::testing {

struct FakeMigrations {
    bool present = true;
    std::optional<Error> check_error, execute_error;
    std::vector<MigrationRuleInfo> rules{{"7", "schema only"}};
    std::vector<std::string> calls;
};

class FakeMigrationManager final : public MigrationManager {
public:
    FakeMigrationManager(FakeMigrations& m, std::string node) : m_(m), node_(std::move(node)) {}
    Result<bool> available(const Deadline&) override {
        m_.calls.push_back("available " + node_);
        return m_.present;
    }
    Result<std::vector<MigrationRuleInfo>> rules(const Deadline&) override { return m_.rules; }
    Result<std::string> create(const std::string& rule, const std::string& title, const Deadline&) override {
        m_.calls.push_back("create " + rule + " " + title);
        return std::string("migration_1.nbdata");
    }
    Result<std::string> download(const std::string& name, const std::string& path, const Deadline&) override {
        m_.calls.push_back("download " + name + " to " + path);
        return std::string("feedbeef");
    }
    Status check(const std::string& file, const Deadline&) override {
        m_.calls.push_back("check " + file);
        if (m_.check_error) return fail(*m_.check_error);
        return {};
    }
    Status execute(const std::string& file, const Deadline&) override {
        m_.calls.push_back("execute " + file);
        if (m_.execute_error) return fail(*m_.execute_error);
        return {};
    }

private:
    FakeMigrations& m_;
    std::string node_;
};

}  // namespace ncbctl::testing
