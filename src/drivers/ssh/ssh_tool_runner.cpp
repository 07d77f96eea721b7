// ToolRunner on a node's host over its shared SSH transport (database.run_on: node:NAME, an ssh node).
// Secrets never travel in an argv (ps on either side would show them) nor through SendEnv (it needs the
// server's AcceptEnv): the remote command is `sh -c 'IFS= read -r PGPASSWORD || exit 125; export
// PGPASSWORD; exec "$@"' sh pg_dump ...`, and the secret is the first line on its stdin. `read` takes one
// byte at a time from a pipe, so what follows the line (a restore's dump) is left for the tool.
// Memory: stdout is handed to the sink chunk by chunk; stderr keeps its last kToolStderrCap bytes.
#include "drivers/ssh/ssh_tool_runner.hpp"

#include "drivers/ssh/ssh_transport.hpp"

namespace ncbctl::ssh {
namespace {

bool valid_env_name(const std::string& n) {
    if (n.empty()) return false;
    for (char c : n)
        if (!((c >= 'A' && c <= 'Z') || c == '_')) return false;
    return true;
}

class SshToolRunner final : public ToolRunner {
public:
    SshToolRunner(Node node, Duration connect) : node_(std::move(node)), connect_(connect) {}

    [[nodiscard]] std::string where() const override { return transport_ ? transport_->who() : "node " + node_.name; }

    Result<ToolResult> run(const ToolCall& call, const Deadline& d) override {
        if (call.argv.empty()) return fail(ErrorCode::Internal, "tool runner: empty argv");
        if (!transport_) {
            auto t = transport_for(node_, connect_);
            if (!t) return fail(t.error());
            transport_ = *t;
        }
        auto remote = remote_tool_argv(call);
        if (!remote) return fail(remote.error());
        std::string prefix;
        for (const auto& [name, value] : call.secret_env) prefix += value + "\n";
        bool sink_failed = false;
        net::ProcessOptions io{.stdin_data = std::move(prefix), .stdin_file = call.stdin_file};
        if (call.on_stdout) {
            io.on_stdout = [&](std::string_view chunk) {
                if (!sink_failed && !call.on_stdout(chunk)) sink_failed = true;
            };
            io.max_capture = kToolStderrCap;  // stderr's tail (stdout is streamed)
        }
        // stderr stays captured: the transport classifies SSH faults from it.
        auto r = transport_->run_streaming(*remote, d, std::move(io));
        if (!r) return fail(r.error());
        if (sink_failed)
            return fail(ErrorCode::Io, transport_->who() + ": " + call.argv[0] + "'s output could not be stored");
        return ToolResult{r->exit_code, std::move(r->out), std::move(r->err)};
    }

private:
    Node node_;
    Duration connect_;
    std::shared_ptr<SshTransport> transport_;
};

}  // namespace

Result<Argv> remote_tool_argv(const ToolCall& call) {
    Argv out;
    if (!call.env.empty()) {
        out.push_back("env");
        for (const auto& [k, v] : call.env) out.push_back(k + "=" + v);
    }
    if (!call.secret_env.empty()) {
        std::string prelude;
        for (const auto& [name, value] : call.secret_env) {
            if (!valid_env_name(name)) return fail(ErrorCode::Internal, "tool runner: bad secret name " + name);
            if (value.find('\n') != std::string::npos)
                return fail(ErrorCode::Inventory, "the " + name + " secret contains a newline; it cannot be sent");
            prelude += "IFS= read -r " + name + " || exit 125; export " + name + "; ";
        }
        prelude += "exec \"$@\"";
        out.insert(out.end(), {"sh", "-c", prelude, "sh"});
    }
    out.insert(out.end(), call.argv.begin(), call.argv.end());
    return out;
}

std::unique_ptr<ToolRunner> make_ssh_tool_runner(const Node& node, Duration connect_timeout) {
    return std::make_unique<SshToolRunner>(node, connect_timeout);
}

}  // namespace ncbctl::ssh
