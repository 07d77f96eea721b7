// ToolRunner on this machine (database.run_on: local): the tool is a child process; secrets are in its
// environment only (posix_spawn's envp), never in its argv.
#include "backup/local_tool_runner.hpp"
#include "net/process.hpp"

namespace ncbctl {
namespace {

class LocalToolRunner final : public ToolRunner {
public:
    [[nodiscard]] std::string where() const override { return "local"; }
    [[nodiscard]] bool shares_files() const override { return true; }

    Result<ToolResult> run(const ToolCall& call, const Deadline& d) override {
        net::ProcessOptions o{.argv = call.argv, .stdin_file = call.stdin_file, .env = call.env};
        for (const auto& [k, v] : call.secret_env) o.env[k] = v;
        bool sink_failed = false;
        if (call.on_stdout) {
            o.on_stdout = [&](std::string_view chunk) {
                if (!sink_failed && !call.on_stdout(chunk)) sink_failed = true;
            };
            o.max_capture = kToolStderrCap;  // stderr's tail (stdout is streamed)
        }
        auto r = net::run_process(o, d);
        if (!r && r.error().code == ErrorCode::NotFound) return ToolResult{127, "", call.argv[0] + ": not found"};
        if (!r) return fail(r.error());
        if (sink_failed) return fail(ErrorCode::Io, call.argv[0] + "'s output could not be stored");
        return ToolResult{r->exit_code, std::move(r->out), std::move(r->err)};
    }
};

}  // namespace

std::unique_ptr<ToolRunner> make_local_tool_runner() {
    return std::make_unique<LocalToolRunner>();
}

}  // namespace ncbctl
