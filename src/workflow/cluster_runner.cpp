#include "workflow/cluster_runner.hpp"

#include <filesystem>
#include <unordered_map>

namespace ncbctl::workflow {

namespace fs = std::filesystem;

std::string expected_app_version(const std::string& deployed) {
    static constexpr std::string_view kFlavours[] = {"-full"};
    for (auto f : kFlavours)
        if (deployed.size() > f.size() && deployed.ends_with(f)) return deployed.substr(0, deployed.size() - f.size());
    return deployed;
}

ClusterRunner::ClusterRunner(const Inventory& inv, ClusterPorts ports, std::string state_dir)
    : inv_(inv), ports_(std::move(ports)), state_dir_(std::move(state_dir)) {}

std::string ClusterRunner::state_file(const std::string& name) const {
    return (fs::path(state_dir_) / "workflow" / name).string();
}

std::string ClusterRunner::run_id() const {
    return fs::path(state_dir_).filename().string();
}

Result<ClusterRunner::NodeSlot*> ClusterRunner::slot(const Node& node) {
    std::lock_guard lock(mu_);
    auto& s = nodes_[node.name];
    if (!s) s = std::make_unique<NodeSlot>();
    if (!s->driver) {
        auto d = ports_.node_driver(node);
        if (!d) return fail(d.error());
        s->driver = std::move(*d);
    }
    return s.get();
}

Result<TrafficSwitch*> ClusterRunner::traffic_switch() {
    std::lock_guard lock(mu_);
    if (!traffic_) {
        auto t = ports_.traffic();
        if (!t) return fail(t.error());
        traffic_ = std::move(*t);
    }
    return traffic_.get();
}

const ClusterRunner::Handler* ClusterRunner::handler(std::string_view action) {
    static const auto table = [] {
        std::unordered_map<std::string_view, Handler> all;
        for (const auto* family : {&node_handlers(), &app_handlers(), &traffic_handlers(), &cluster_handlers()})
            for (const auto& [name, h] : *family) all.emplace(name, h);
        return all;
    }();
    auto it = table.find(action);
    return it == table.end() ? nullptr : &it->second;
}

bool ClusterRunner::handles(std::string_view action) {
    return handler(action) != nullptr;
}

Result<StepResult> ClusterRunner::dispatch(const std::string& action, const Call& c) {
    const Handler* h = handler(action);
    if (h == nullptr) return fail(ErrorCode::Internal, "step " + c.step.id + ": unknown action " + action);
    return (this->**h)(action, c);
}

Result<StepResult> ClusterRunner::run(const Step& step, const Deadline& deadline, EventSink& events) {
    const Params none;
    return dispatch(step.action, Call{step, none, deadline, events});
}

Status ClusterRunner::undo(const Step& step, const StepResult& done, const Deadline& deadline, EventSink& events) {
    if (!step.undo) return {};
    Step u = step;
    u.action = step.undo->action;
    for (const auto& [k, v] : step.undo->params) u.params[k] = v;
    auto r = dispatch(u.action, Call{u, done.details, deadline, events});
    if (r) return {};
    return fail(r.error());
}

}  // namespace ncbctl::workflow
