#include "traffic/traffic_common.hpp"

#include <algorithm>

namespace ncbctl::traffic {

std::vector<std::string> node_names(const Inventory& inv) {
    std::vector<std::string> out;
    out.reserve(inv.nodes.size());
    for (const auto& n : inv.nodes) out.push_back(n.name);
    return out;
}

TrafficState classify(const std::vector<std::string>& serving, const std::vector<std::string>& all_nodes,
                      std::size_t extra_serving) {
    TrafficState s;
    s.serving_nodes = serving;
    s.admitted_nodes = serving;
    const bool all = std::ranges::all_of(
        all_nodes, [&](const std::string& n) { return std::ranges::find(serving, n) != serving.end(); });
    if (serving.empty() && extra_serving == 0)
        s.mode = TrafficMode::Maintenance;
    else if (all && !all_nodes.empty())
        s.mode = TrafficMode::Live;
    else if (serving.size() == 1 && extra_serving == 0) {
        s.mode = TrafficMode::Pinned;
        s.pinned_node = serving.front();
    } else if (extra_serving == 0)
        s.mode = TrafficMode::Partial;
    else
        s.mode = TrafficMode::Unknown;
    return s;
}

Result<TrafficState> serve_target(const std::vector<std::string>& nodes, const std::vector<std::string>& all_nodes) {
    if (nodes.empty())
        return fail(ErrorCode::Usage, "cannot serve traffic from no node; use the maintenance switch instead");
    for (const auto& n : nodes)
        if (std::ranges::find(all_nodes, n) == all_nodes.end())
            return fail(ErrorCode::Usage, "cannot send traffic to " + n + ": no such node in the inventory");
    std::vector<std::string> ordered;
    for (const auto& n : all_nodes)
        if (std::ranges::find(nodes, n) != nodes.end()) ordered.push_back(n);
    return classify(ordered, all_nodes, 0);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (const auto& i : items) {
        if (!out.empty()) out += sep;
        out += i;
    }
    return out;
}

std::string describe(const TrafficState& s) {
    if (s.mode == TrafficMode::Pinned) return "pinned to " + s.pinned_node;
    if (s.mode == TrafficMode::Partial) return "partial (" + join(s.admitted_nodes, ",") + ")";
    return std::string(to_string(s.mode));
}

Status compare(const TrafficState& wanted, const TrafficState& actual, const std::vector<std::string>& all_nodes,
               std::string_view lb) {
    bool same = wanted.mode == actual.mode;
    if (same && wanted.mode == TrafficMode::Pinned) same = wanted.pinned_node == actual.pinned_node;
    if (same && wanted.mode == TrafficMode::Partial) {
        auto a = wanted.admitted_nodes;
        auto b = actual.admitted_nodes;
        std::ranges::sort(a);
        std::ranges::sort(b);
        same = a == b;
    }
    const bool only_node = all_nodes.size() == 1 && all_nodes.front() == wanted.pinned_node;
    if (!same && wanted.mode == TrafficMode::Pinned && actual.mode == TrafficMode::Live && only_node) same = true;
    if (wanted.mode == TrafficMode::Unmanaged) same = true;
    if (same) return {};
    std::string msg = std::string(lb) + ": traffic is " + describe(actual) + ", wanted " + describe(wanted);
    if (!actual.detail.empty()) msg += " (" + actual.detail + ")";
    return fail(ErrorCode::Verification, msg + "; re-run the switch or check the load balancer");
}

std::string redact(std::string text, const std::string& secret) {
    if (secret.empty()) return text;
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3))
        text.replace(pos, secret.size(), "***");
    return text;
}

}  // namespace ncbctl::traffic

namespace ncbctl {

Status TrafficSwitch::serve(const std::vector<std::string>& nodes, const Deadline& d) {
    if (nodes.size() == 1) return pin(nodes.front(), d);
    return fail(ErrorCode::Unsupported, "this traffic driver cannot send traffic to a set of nodes");
}

Result<std::vector<std::string>> TrafficSwitch::setup_gaps(const Deadline&) {
    return std::vector<std::string>{};
}

Result<std::vector<std::string>> TrafficSwitch::backend_servers(const Deadline&) {
    return fail(ErrorCode::Unsupported, "this traffic driver cannot list its backend's servers");
}

Result<int> TrafficSwitch::open_sessions(const std::string&, const Deadline&) {
    return fail(ErrorCode::Unsupported, "this traffic driver cannot count the connections to a node");
}

Status TrafficSwitch::close_sessions(const std::string&, const Deadline&) {
    return fail(ErrorCode::Unsupported, "this traffic driver cannot close the connections to a node");
}

}  // namespace ncbctl
