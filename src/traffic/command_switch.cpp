// traffic.driver command: the operator's own commands (cloud LB CLIs...). Exit codes: 0 = done,
// 75 (EX_TEMPFAIL) = failed but a retry may help, anything else = failed. The status command prints
// `live`, `maintenance`, `pinned NODE` or `serving NODE,NODE...` as its first stdout line. {{node}},
// {{nodes}} (serve: "app1,app3"), {{canary}} and {{retry_after}} are substituted inside each argument;
// arguments are never joined into a shell string. Without a serve command, serve falls back to pin (one
// node) or live (every node) and is Unsupported for other sets.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "net/process.hpp"
#include "traffic/traffic_common.hpp"

namespace ncbctl::traffic {
namespace {

constexpr int kTempFail = 75;

std::string substitute(std::string arg, std::string_view key, const std::string& value) {
    for (auto pos = arg.find(key); pos != std::string::npos; pos = arg.find(key, pos + value.size()))
        arg.replace(pos, key.size(), value);
    return arg;
}

class CommandSwitch final : public TrafficSwitch {
public:
    CommandSwitch(const Inventory& inv, std::unique_ptr<CommandRunner> runner)
        : spec_(inv.traffic), nodes_(node_names(inv)), canary_(inv.canary_node().name), runner_(std::move(runner)) {}

    Result<TrafficState> status(const Deadline& d) override {
        TrafficState st;
        if (spec_.cmd_status.empty()) {
            st.detail = "traffic.cmd_status is not set: ncbctl cannot read the load balancer's state";
            return st;
        }
        auto r = run("cmd_status", spec_.cmd_status, "", d);
        if (!r) return fail(r.error());
        const std::string line = r->out.substr(0, r->out.find('\n'));
        st.detail = "cmd_status printed '" + line + "'";
        if (line == "live") {
            st.mode = TrafficMode::Live;
            st.serving_nodes = nodes_;
        } else if (line == "maintenance") {
            st.mode = TrafficMode::Maintenance;
        } else if (line.starts_with("pinned ")) {
            st.mode = TrafficMode::Pinned;
            st.pinned_node = line.substr(7);
            st.serving_nodes = {st.pinned_node};
        } else if (line.starts_with("serving ")) {
            std::vector<std::string> listed;
            const std::string csv = line.substr(8) + ",";
            for (std::size_t pos = 0, comma = 0; (comma = csv.find(',', pos)) != std::string::npos; pos = comma + 1)
                if (comma > pos) listed.push_back(csv.substr(pos, comma - pos));
            auto known = serve_target(listed, nodes_);
            if (known) {
                const std::string detail = st.detail;
                st = *known;
                st.detail = detail;
            }
        }
        if (st.mode == TrafficMode::Live || st.mode == TrafficMode::Pinned) st.admitted_nodes = st.serving_nodes;
        return st;
    }

    Status maintenance(const Deadline& d) override {
        return change("cmd_maintenance", spec_.cmd_maintenance, "", {.mode = TrafficMode::Maintenance}, d);
    }
    Status pin(const std::string& node, const Deadline& d) override {
        if (std::ranges::find(nodes_, node) == nodes_.end())
            return fail(ErrorCode::Usage, "cannot pin traffic to " + node + ": no such node in the inventory");
        return change("cmd_pin", spec_.cmd_pin, node, {.mode = TrafficMode::Pinned, .pinned_node = node}, d);
    }
    Status live(const Deadline& d) override {
        return change("cmd_live", spec_.cmd_live, "", {.mode = TrafficMode::Live}, d);
    }

    Status serve(const std::vector<std::string>& nodes, const Deadline& d) override {
        auto wanted = serve_target(nodes, nodes_);
        if (!wanted) return fail(wanted.error());
        if (wanted->mode == TrafficMode::Pinned && spec_.cmd_serve.empty()) return pin(wanted->pinned_node, d);
        if (wanted->mode == TrafficMode::Live && spec_.cmd_serve.empty()) return live(d);
        return change("cmd_serve", spec_.cmd_serve, join(wanted->admitted_nodes, ","), *wanted, d);
    }

    Status verify(const TrafficState& wanted, const Deadline& d) override {
        if (spec_.cmd_status.empty()) {
            spdlog::warn("traffic: cannot verify that the load balancer is {} (set traffic.cmd_status)",
                         describe(wanted));
            return {};
        }
        auto st = status(d);
        if (!st) return fail(st.error());
        return compare(wanted, *st, nodes_, "traffic command driver");
    }

private:
    // `node`: {{node}} and {{nodes}} (only one of them is allowed per key by the inventory).
    Result<ExecResult> run(std::string_view key, const Argv& tmpl, const std::string& node, const Deadline& d) {
        Argv argv;
        for (const auto& a : tmpl)
            argv.push_back(substitute(
                substitute(substitute(substitute(a, "{{node}}", node), "{{nodes}}", node), "{{canary}}", canary_),
                "{{retry_after}}", std::to_string(spec_.retry_after)));
        auto r = runner_->run(argv, "", d);
        const std::string what = "traffic." + std::string(key) + " (" + argv.front() + ") on " + runner_->where();
        if (!r) return fail(r.error().with_context(what + ": "));
        if (r->exit_code == 0) return r;
        std::string why = net::last_lines(r->err.empty() ? r->out : r->err);
        return fail(ErrorCode::Remote,
                    what + " exited " + std::to_string(r->exit_code) + (why.empty() ? "" : ": " + why),
                    r->exit_code == kTempFail);
    }

    Status change(std::string_view key, const Argv& tmpl, const std::string& node, const TrafficState& wanted,
                  const Deadline& d) {
        if (tmpl.empty())
            return fail(ErrorCode::Unsupported, "traffic." + std::string(key) + " is not set; add it to the inventory");
        auto r = run(key, tmpl, node, d);
        if (!r) return fail(r.error());
        return verify(wanted, d);
    }

    TrafficSpec spec_;
    std::vector<std::string> nodes_;
    std::string canary_;
    std::unique_ptr<CommandRunner> runner_;
};

}  // namespace

std::unique_ptr<TrafficSwitch> make_command_switch(const Inventory& inv, std::unique_ptr<CommandRunner> runner) {
    return std::make_unique<CommandSwitch>(inv, std::move(runner));
}

}  // namespace ncbctl::traffic
