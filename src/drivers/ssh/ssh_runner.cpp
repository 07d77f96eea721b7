// CommandRunner on a node over its shared SSH transport (traffic drivers via a node, database dumps run
// on a node). A non-zero remote exit is a normal ExecResult; transport faults are Errors.
#include "drivers/ssh/ssh_driver.hpp"
#include "drivers/ssh/ssh_transport.hpp"

namespace ncbctl {
namespace {

class SshRunner final : public CommandRunner {
public:
    SshRunner(const Node& node, Duration connect) : node_(node), connect_(connect) {}

    [[nodiscard]] std::string where() const override { return transport_ ? transport_->who() : "node " + node_.name; }

    Result<ExecResult> run(const Argv& argv, const std::string& stdin_data, const Deadline& d) override {
        auto t = transport();
        if (!t) return fail(t.error());
        return (*t)->run(argv, d, stdin_data);
    }

    Status write_file(const std::string& path, const std::string& content, const Deadline& d, int mode) override {
        auto t = transport();
        if (!t) return fail(t.error());
        return (*t)->write_file(path, content, d, mode);
    }

private:
    Result<std::shared_ptr<ssh::SshTransport>> transport() {
        if (!transport_) {
            auto t = ssh::transport_for(node_, connect_);
            if (!t) return fail(t.error());
            transport_ = *t;
        }
        return transport_;
    }

    Node node_;
    Duration connect_;
    std::shared_ptr<ssh::SshTransport> transport_;
};

}  // namespace

std::unique_ptr<CommandRunner> make_ssh_runner(const Node& node, const Inventory& inventory) {
    return std::make_unique<SshRunner>(node, ssh::connect_timeout(inventory));
}

}  // namespace ncbctl
