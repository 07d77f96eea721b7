#pragma once
// A base for recording fakes of the AppClient port: every call fails as "not faked", so a fake overrides
// only what its test drives, and a call the test did not expect shows up as an error naming the method.
#include <optional>
#include <string>
#include <vector>

#include "ncbctl/app_client.hpp"

namespace ncbctl::testing {

class StubApp : public AppClient {
public:
    AppStatus check(const Deadline&) override { return {.phase = AppPhase::Down, .message = "check not faked"}; }
    Result<AppStatus> wait_ready(const std::optional<std::string>&, const Deadline&, const ProgressFn&) override {
        return not_faked("wait_ready");
    }
    Result<std::vector<PluginInfo>> plugins(const Deadline&) override { return not_faked("plugins"); }
    Status plugin_add(const std::string&, const std::string&, const std::string&, const Deadline&) override {
        return not_faked("plugin_add");
    }
    Status plugin_enable(const std::string&, const Deadline&) override { return not_faked("plugin_enable"); }
    Status plugin_disable(const std::string&, const Deadline&) override { return not_faked("plugin_disable"); }
    Status plugin_remove(const std::string&, const Deadline&) override { return not_faked("plugin_remove"); }
    Status plugin_update(const std::string&, const std::string&, const PluginSource&, const Deadline&) override {
        return not_faked("plugin_update");
    }
    Result<std::string> backup_create(const Deadline&) override { return not_faked("backup_create"); }
    Result<std::vector<BackupInfo>> backup_list(const Deadline&) override { return not_faked("backup_list"); }
    Result<std::string> backup_download(const std::string&, const std::string&, const Deadline&) override {
        return not_faked("backup_download");
    }
    Status backup_restore(const std::string&, const Deadline&) override { return not_faked("backup_restore"); }
    Status backup_restore_upload(const std::string&, const Deadline&) override {
        return not_faked("backup_restore_upload");
    }
    Status backup_delete(const std::string&, const Deadline&) override { return not_faked("backup_delete"); }

protected:
    static std::unexpected<Error> not_faked(const std::string& method) {
        return fail(ErrorCode::Internal, "AppClient::" + method + " is not faked in this test");
    }
};

}  // namespace ncbctl::testing
