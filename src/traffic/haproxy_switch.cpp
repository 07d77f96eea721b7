// traffic.driver haproxy: server states through the runtime API. Maintenance puts every server of the
// backend in maint so the backend's `errorfile 503` answers; pin leaves one server ready, serve a set of
// them; live readies all.
// With a bypass, a second backend (the operator's ACL routes secret-carrying requests to it) keeps the
// canary ready during maintenance. Runtime state is lost when HAProxy reloads: the engine re-asserts it.
#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>

#include "traffic/haproxy_runtime.hpp"
#include "traffic/traffic_common.hpp"

namespace ncbctl::traffic {
namespace {

struct Snapshot {
    std::vector<HaproxyServer> main;
    std::vector<HaproxyServer> bypass;
};

class HaproxySwitch final : public TrafficSwitch {
public:
    HaproxySwitch(const Inventory& inv, std::unique_ptr<HaproxyChannel> channel)
        : backend_(inv.traffic.backend),
          socket_(inv.traffic.socket),
          nodes_(node_names(inv)),
          canary_(inv.canary_node().name),
          channel_(std::move(channel)) {
        for (const auto& n : nodes_) {
            auto it = inv.traffic.servers.find(n);
            server_of_[n] = it == inv.traffic.servers.end() ? n : it->second;
        }
        if (inv.traffic.bypass) {
            bypass_backend_ = inv.traffic.bypass->haproxy_backend;
            if (bypass_backend_.empty()) bypass_backend_ = backend_ + "_bypass";
        }
    }

    Result<TrafficState> status(const Deadline& d) override {
        auto snap = read(d);
        if (!snap) return fail(snap.error());
        return state_of(*snap);
    }

    Status maintenance(const Deadline& d) override {
        TrafficState wanted{.mode = TrafficMode::Maintenance};
        return apply(wanted, {}, {server_of_.at(canary_)}, d);
    }

    Status pin(const std::string& node, const Deadline& d) override {
        auto it = server_of_.find(node);
        if (it == server_of_.end())
            return fail(ErrorCode::Usage, "cannot pin traffic to " + node + ": no such node in the inventory");
        TrafficState wanted{.mode = TrafficMode::Pinned, .pinned_node = node};
        return apply(wanted, {it->second}, {it->second}, d);
    }

    Status live(const Deadline& d) override {
        std::set<std::string> all;
        for (const auto& [node, server] : server_of_) all.insert(server);
        TrafficState wanted{.mode = TrafficMode::Live};
        return apply(wanted, all, all, d);
    }

    Status serve(const std::vector<std::string>& nodes, const Deadline& d) override {
        auto wanted = serve_target(nodes, nodes_);
        if (!wanted) return fail(wanted.error());
        std::set<std::string> ready;
        for (const auto& n : wanted->admitted_nodes) ready.insert(server_of_.at(n));
        return apply(*wanted, ready, ready, d);
    }

    Status verify(const TrafficState& wanted, const Deadline& d) override {
        auto snap = read(d);
        if (!snap) return fail(snap.error());
        if (auto ok = compare(wanted, state_of(*snap), nodes_, channel_->where()); !ok) return ok;
        if (bypass_backend_.empty() || wanted.mode == TrafficMode::Unmanaged) return {};
        auto want = bypass_ready_for(wanted);
        std::set<std::string> ready;
        for (const auto& s : snap->bypass)
            if (s.enabled()) ready.insert(s.name);
        std::set<std::string> expected;
        for (const auto& s : snap->bypass)
            if (want.contains(s.name)) expected.insert(s.name);
        if (ready == expected) return {};
        return fail(ErrorCode::Verification, channel_->where() + ": bypass backend " + bypass_backend_ + " serves [" +
                                                 join({ready.begin(), ready.end()}, ",") + "], wanted [" +
                                                 join({expected.begin(), expected.end()}, ",") +
                                                 "]; re-run the switch");
    }

    // scur of the node's server in the backend, plus in the bypass backend when it has it. Parallel drains
    // share one read: a snapshot younger than kCountsFresh answers them all.
    Result<int> open_sessions(const std::string& node, const Deadline& d) override {
        auto server = server_for(node);
        if (!server) return fail(server.error());
        const auto now = std::chrono::steady_clock::now();
        if (!counts_ || now - counts_->first > kCountsFresh) {
            auto fresh = read(d);
            if (!fresh) return fail(fresh.error());
            counts_.emplace(now, std::move(*fresh));
        }
        const Snapshot* snap = &counts_->second;
        int total = 0;
        for (const auto* list : {&snap->main, &snap->bypass})
            for (const auto& s : *list) {
                if (s.name != *server) continue;
                if (s.sessions < 0)
                    return fail(ErrorCode::Protocol, channel_->where() + ": 'show stat' gives no scur for server " +
                                                         s.backend + "/" + s.name);
                total += s.sessions;
            }
        return total;
    }

    Status close_sessions(const std::string& node, const Deadline& d) override {
        auto server = server_for(node);
        if (!server) return fail(server.error());
        counts_.reset();
        auto snap = read(d);
        if (!snap) return fail(snap.error());
        std::vector<std::string> cmds{"shutdown sessions server " + backend_ + "/" + *server};
        auto in_bypass = [&](const HaproxyServer& s) { return s.name == *server; };
        if (std::ranges::any_of(snap->bypass, in_bypass))
            cmds.push_back("shutdown sessions server " + bypass_backend_ + "/" + *server);
        auto reply = channel_->send(join(cmds, "; "), d);
        if (!reply) return fail(reply.error());
        return check_set_reply(*reply, channel_->where());
    }

    Result<std::vector<std::string>> setup_gaps(const Deadline& d) override {
        auto level = channel_->send("show cli level", d);
        if (!level) return fail(level.error());
        auto snap = read(d);
        if (!snap) return fail(snap.error());
        return haproxy_setup_gaps(*level, snap->main, backend_, socket_);
    }

    Result<std::vector<std::string>> backend_servers(const Deadline& d) override {
        auto reply = channel_->send("show servers state", d);
        if (!reply) return fail(reply.error());
        auto servers = parse_servers_state(std::string_view(*reply).substr(0, reply->find("# pxname")));
        if (!servers) return fail(servers.error().with_context(channel_->where() + ": "));
        std::vector<std::string> names;
        for (const auto& s : *servers)
            if (s.backend == backend_) names.push_back(s.name);
        return names;
    }

private:
    Result<std::string> server_for(const std::string& node) const {
        auto it = server_of_.find(node);
        if (it == server_of_.end()) return fail(ErrorCode::Usage, "no node " + node + " in the inventory");
        return it->second;
    }

    Result<Snapshot> read(const Deadline& d) {
        auto reply = channel_->send("show servers state; show stat", d);
        if (!reply) return fail(reply.error());
        const auto cut = reply->find("# pxname");
        auto servers = parse_servers_state(std::string_view(*reply).substr(0, cut));
        if (!servers) return fail(servers.error().with_context(channel_->where() + ": "));
        if (cut != std::string::npos) (void)merge_show_stat(std::string_view(*reply).substr(cut), *servers);
        Snapshot snap;
        for (auto& s : *servers) {
            if (s.backend == backend_) snap.main.push_back(s);
            if (!bypass_backend_.empty() && s.backend == bypass_backend_) snap.bypass.push_back(s);
        }
        if (snap.main.empty())
            return fail(ErrorCode::NotFound, channel_->where() + " has no backend '" + backend_ +
                                                 "' with servers; fix traffic.backend in the inventory");
        for (const auto& [node, server] : server_of_) {
            auto has = [&](const HaproxyServer& s) { return s.name == server; };
            if (std::ranges::none_of(snap.main, has))
                return fail(ErrorCode::NotFound, "node " + node + " maps to server '" + server + "', which " +
                                                     channel_->where() + " backend " + backend_ +
                                                     " does not have; fix traffic.servers in the inventory");
        }
        if (!bypass_backend_.empty()) {
            const std::string& canary_server = server_of_.at(canary_);
            auto has = [&](const HaproxyServer& s) { return s.name == canary_server; };
            if (std::ranges::none_of(snap.bypass, has))
                return fail(ErrorCode::NotFound,
                            channel_->where() + " has no bypass backend '" + bypass_backend_ + "' with server " +
                                canary_server + "; add it (docs/traffic.md) or set traffic.bypass.haproxy_backend");
        }
        return snap;
    }

    [[nodiscard]] TrafficState state_of(const Snapshot& snap) const {
        std::vector<std::string> enabled;
        std::vector<std::string> healthy;
        std::size_t extra = 0;
        std::string detail = "backend " + backend_ + ":";
        for (const auto& s : snap.main) {
            std::string node;
            for (const auto& [n, server] : server_of_)
                if (server == s.name) node = n;
            if (s.enabled() && node.empty()) ++extra;
            if (s.enabled() && !node.empty()) enabled.push_back(node);
            if (s.enabled() && s.healthy() && !node.empty()) healthy.push_back(node);
            detail += " " + s.name + (node.empty() || node == s.name ? "" : "(" + node + ")") + "=" +
                      (s.enabled()                   ? "ready"
                       : (s.admin_state & 0x18) != 0 ? "drain"
                                                     : "maint") +
                      (s.status.empty() ? "" : "/" + s.status);
        }
        if (!bypass_backend_.empty()) {
            detail += "; bypass backend " + bypass_backend_ + ":";
            for (const auto& s : snap.bypass) detail += " " + s.name + "=" + (s.enabled() ? "ready" : "maint");
        }
        // Keep inventory order so "pinned" and the serving list read the same everywhere.
        std::vector<std::string> ordered;
        for (const auto& n : nodes_)
            if (std::ranges::find(enabled, n) != enabled.end()) ordered.push_back(n);
        TrafficState st = classify(ordered, nodes_, extra);
        st.serving_nodes.clear();
        for (const auto& n : nodes_)
            if (std::ranges::find(healthy, n) != healthy.end()) st.serving_nodes.push_back(n);
        st.detail = detail;
        return st;
    }

    [[nodiscard]] std::set<std::string> bypass_ready_for(const TrafficState& wanted) const {
        std::set<std::string> out;
        if (wanted.mode == TrafficMode::Maintenance) out.insert(server_of_.at(canary_));
        if (auto it = server_of_.find(wanted.pinned_node); wanted.mode == TrafficMode::Pinned && it != server_of_.end())
            out.insert(it->second);
        if (wanted.mode == TrafficMode::Live)
            for (const auto& [node, server] : server_of_) out.insert(server);
        if (wanted.mode == TrafficMode::Partial)
            for (const auto& n : wanted.admitted_nodes)
                if (auto it = server_of_.find(n); it != server_of_.end()) out.insert(it->second);
        return out;
    }

    // Readies first, then maint, so a pin or serve never passes through "no server at all".
    static void add_commands(const std::string& backend, const std::vector<HaproxyServer>& servers,
                             const std::set<std::string>& ready, std::vector<std::string>& readies,
                             std::vector<std::string>& maints) {
        for (const auto& s : servers) {
            const bool up = ready.contains(s.name);
            (up ? readies : maints)
                .push_back("set server " + backend + "/" + s.name + " state " + (up ? "ready" : "maint"));
        }
    }

    Status apply(const TrafficState& wanted, const std::set<std::string>& ready,
                 const std::set<std::string>& bypass_ready, const Deadline& d) {
        counts_.reset();
        auto snap = read(d);
        if (!snap) return fail(snap.error());
        std::vector<std::string> readies;
        std::vector<std::string> maints;
        add_commands(backend_, snap->main, ready, readies, maints);
        if (!bypass_backend_.empty()) add_commands(bypass_backend_, snap->bypass, bypass_ready, readies, maints);
        readies.insert(readies.end(), maints.begin(), maints.end());
        auto reply = channel_->send(join(readies, "; "), d);
        if (!reply) return fail(reply.error());
        if (auto ok = check_set_reply(*reply, channel_->where()); !ok) return ok;
        return verify(wanted, d);
    }

    std::string backend_;
    std::string socket_;
    std::string bypass_backend_;
    std::vector<std::string> nodes_;
    std::string canary_;
    std::map<std::string, std::string> server_of_;  // node -> server
    std::unique_ptr<HaproxyChannel> channel_;
    static constexpr std::chrono::milliseconds kCountsFresh{90};
    std::optional<std::pair<std::chrono::steady_clock::time_point, Snapshot>> counts_;  // open_sessions only
};

}  // namespace

std::unique_ptr<TrafficSwitch> make_haproxy_switch(const Inventory& inv, std::unique_ptr<CommandRunner> runner) {
    auto channel = inv.traffic.via_node.empty() ? make_local_haproxy_channel(inv.traffic.socket)
                                                : make_runner_haproxy_channel(inv.traffic.socket, std::move(runner));
    return std::make_unique<HaproxySwitch>(inv, std::move(channel));
}

}  // namespace ncbctl::traffic
