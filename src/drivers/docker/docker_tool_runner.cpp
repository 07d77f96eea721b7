#include "drivers/docker/docker_tool_runner.hpp"

#include "drivers/docker/exec_stream.hpp"

namespace ncbctl::docker {
namespace {

class DockerToolRunner final : public ToolRunner {
public:
    DockerToolRunner(Result<Endpoint> endpoint, std::string container, std::string node)
        : config_error_(endpoint ? std::optional<Error>() : endpoint.error()),
          engine_(endpoint ? std::move(*endpoint) : Endpoint{}),
          container_(std::move(container)),
          node_(std::move(node)) {}

    [[nodiscard]] std::string where() const override {
        return "container " + container_ + (node_.empty() ? "" : " of node " + node_) + " (engine " +
               engine_.endpoint().display + ")";
    }

    Result<ToolResult> run(const ToolCall& call, const Deadline& d) override {
        if (config_error_) return fail(config_error_->with_context(where() + ": "));
        ExecSpec spec{.argv = call.argv, .stdin_file = call.stdin_file, .on_stdout = call.on_stdout};
        for (const auto& [k, v] : call.env) spec.env.push_back(k + "=" + v);
        for (const auto& [k, v] : call.secret_env) spec.env.push_back(k + "=" + v);
        spec.cap = call.on_stdout ? kToolStderrCap : 16U * 1024U * 1024U;
        auto r = exec_in_container(engine_, container_, spec, d);
        if (!r) return fail(r.error().with_context(where() + ": "));
        return ToolResult{r->exit_code, std::move(r->out), std::move(r->err)};
    }

    Status check_place(const Deadline& d) override {
        if (config_error_) return fail(config_error_->with_context(where() + ": "));
        auto r = engine_.get("/containers/" + net::url_encode(container_) + "/json", d);
        if (!r) return fail(r.error().with_context(where() + ": "));
        const std::string key = "database.run_on: container:" + container_;
        if (r->status == 404)
            return fail(ErrorCode::NotFound, key + ": no such container on the engine of " + on_node() +
                                                 " (create it there, or name a running container that has the "
                                                 "database tools)");
        if (r->status != 200) return fail(engine_.api_error(*r, "inspect container " + container_));
        auto info = r->json();
        if (!info) return fail(info.error());
        const auto state = info->value("State", Json::object());
        if (!state.value("Running", false))
            return fail(ErrorCode::Conflict, key + ": the container is " + state.value("Status", "not running") +
                                                 " on the engine of " + on_node() + " (start it first)");
        return {};
    }

private:
    [[nodiscard]] std::string on_node() const {
        return (node_.empty() ? std::string("this inventory's docker node") : "node " + node_) + " (" +
               engine_.endpoint().display + ")";
    }

    std::optional<Error> config_error_;
    EngineClient engine_;
    std::string container_;
    std::string node_;
};

}  // namespace

std::unique_ptr<ToolRunner> make_docker_tool_runner(Result<Endpoint> endpoint, std::string container,
                                                    std::string node) {
    return std::make_unique<DockerToolRunner>(std::move(endpoint), std::move(container), std::move(node));
}

}  // namespace ncbctl::docker
