#include "workflow/cluster_runner.hpp"
#include "util/utc_time.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "ncbctl/cancel.hpp"
#include "workflow/app_actions.hpp"
#include "workflow/checks.hpp"
#include "workflow/progress.hpp"

namespace ncbctl::workflow {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Names the node once: clients and drivers often already start their messages with "node NAME".
Error about(const Error& e, const std::string& node) {
    const std::string prefix = "node " + node;
    return e.message.find(prefix) != std::string::npos ? e : e.with_context(prefix + ": ");
}

std::string param(const Params& p, const std::string& key) {
    auto it = p.find(key);
    return it == p.end() ? std::string() : it->second;
}

std::string utc_stamp() {
    return util::format_utc(std::time(nullptr), util::kCompactUtc);
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Status write_small_file(const std::string& path, const std::string& content) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << content;
        if (!out.flush()) return fail(ErrorCode::Io, "cannot write " + tmp);
    }
    fs::rename(tmp, path, ec);
    if (ec) return fail(ErrorCode::Io, "cannot write " + path + ": " + ec.message());
    return {};
}

std::string read_small_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string join(const std::set<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
    return out;
}

std::set<std::string> split(const std::string& csv) {
    std::set<std::string> out;
    std::stringstream ss(csv);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.insert(item);
    return out;
}

}  // namespace

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

Result<StepResult> ClusterRunner::run(const Step& step, const Deadline& deadline, EventSink& events) {
    if (step.target == kClusterTarget) return cluster_action(step.action, step, {}, deadline, events);
    return node_action(step.action, step, {}, deadline, events);
}

Status ClusterRunner::undo(const Step& step, const StepResult& done, const Deadline& deadline, EventSink& events) {
    if (!step.undo) return {};
    Step u = step;
    u.action = step.undo->action;
    for (const auto& [k, v] : step.undo->params) u.params[k] = v;
    Result<StepResult> r = step.target == kClusterTarget ? cluster_action(u.action, u, done.details, deadline, events)
                                                         : node_action(u.action, u, done.details, deadline, events);
    if (r) return {};
    return fail(r.error());
}

Result<StepResult> ClusterRunner::node_action(const std::string& action, const Step& step, const Params& done,
                                              const Deadline& deadline, EventSink& events) {
    const Node* node = inv_.find_node(step.target);
    if (node == nullptr) return fail(ErrorCode::Internal, "step " + step.id + ": no node " + step.target);
    const std::string prefix = "node " + node->name + ": ";
    if (action == "app.wait_ready") return wait_ready(*node, param(step.params, "version"), step, deadline, events);
    if (action == "verify") return verify(*node, step, deadline, events);
    if (is_app_action(action)) {
        auto app = ports_.node_app(*node);
        if (!app) return fail(app.error().with_context(prefix));
        return run_app_action(**app, *node, step, deadline, events);
    }

    auto s = slot(*node);
    if (!s) return fail(s.error().with_context(prefix));
    StepResult out;
    // Lock order: traffic_mu_ may be taken first and a node slot inside it (a readiness gate that fetches a
    // failing node's logs), never the reverse; so the drain runs before this node's slot is locked.
    if (action == "node.stop") drain(*node, deadline, events, out);
    std::lock_guard lock((*s)->mu);
    NodeDriver& d = *(*s)->driver;
    auto wrap = [&](Status st) -> Result<StepResult> {
        if (!st) return fail(st.error().message.starts_with(prefix) ? st.error() : st.error().with_context(prefix));
        return out;
    };

    if (action == "node.probe") {
        auto p = d.probe(deadline);
        if (!p) return fail(p.error().with_context(prefix));
        if (!p->reachable) return fail(ErrorCode::Unreachable, prefix + "unreachable: " + p->detail, true);
        out.details = {{"service", std::string(to_string(p->service))}, {"deployed", p->deployed_version}};
        if (p->service == ServiceState::Missing)
            return fail(ErrorCode::NotFound, prefix + "service not found (" + p->detail + "); check the inventory");
        return out;
    }
    if (action == "node.prepare") return wrap(d.prepare(param(step.params, "version"), deadline));
    if (action == "node.mark_upgrade") return wrap(d.mark_upgrade(deadline));
    if (action == "node.stop") {
        if (auto st = d.stop(deadline); !st) return wrap(st);
        auto p = d.probe(deadline);  // verified stopped, not just asked to stop
        if (!p) return fail(p.error().with_context(prefix));
        if (p->service == ServiceState::Running)
            return fail(ErrorCode::Verification, prefix + "still running after stop (" + p->detail + ")", true);
        return out;
    }
    if (action == "node.start") {
        if (auto st = d.start(deadline); !st) {
            // A service that exits at once (FATAL, failed unit) says why in its log; a transport error is
            // retried and has no log to show.
            if (!st.error().transient) show_logs(*node, events, &d);
            return wrap(st);
        }
        if (param(step.params, "wait_ready") == "true") {
            (*s)->mu.unlock();
            auto r = wait_ready(*node, "", step, deadline, events);
            (*s)->mu.lock();
            if (!r) return fail(r.error());
        }
        return out;
    }
    if (action == "node.upgrade") {
        // Record what was deployed before, once: a re-run after a crash must not record the new version.
        const std::string record = state_file("previous-" + node->name);
        std::string previous = read_small_file(record);
        if (previous.empty()) {
            auto p = d.probe(deadline);
            if (!p) return fail(p.error().with_context(prefix));
            previous = p->deployed_version;
            if (previous.empty())
                return fail(ErrorCode::Verification, prefix +
                                                         "cannot tell which version is deployed; refusing to "
                                                         "upgrade without a way back");
            if (auto w = write_small_file(record, previous); !w) return fail(w.error());
        }
        const std::string to = param(step.params, "version");
        if (previous != to) {
            if (auto st = d.upgrade(to, deadline); !st) return wrap(st);
        }
        out.details = {{"previous_version", previous}, {"version", to}};
        return out;
    }
    if (action == "node.rollback") {
        std::string previous = param(done, "previous_version");
        if (previous.empty()) previous = param(step.params, "previous_version");  // `ncbctl rollback RUN`
        if (previous.empty()) previous = read_small_file(state_file("previous-" + node->name));
        if (previous.empty()) return fail(ErrorCode::Internal, prefix + "no previous version recorded to roll back to");
        if (auto st = d.stop(deadline); !st) return wrap(st);
        if (auto st = d.rollback(previous, deadline); !st) return wrap(st);
        out.details = {{"version", previous}};
        return out;
    }
    return fail(ErrorCode::Internal, "step " + step.id + ": unknown node action " + action);
}

Result<StepResult> ClusterRunner::wait_ready(const Node& node, const std::string& version, const Step&,
                                             const Deadline& deadline, EventSink& events) {
    auto app = ports_.node_app(node);
    if (!app) return fail(about(app.error(), node.name));
    std::string last;
    const std::optional<std::string> want =
        version.empty() ? std::nullopt : std::optional<std::string>(expected_app_version(version));
    auto r = (*app)->wait_ready(want, deadline, [&](const AppStatus& st) {
        std::string line = std::string(to_string(st.phase));
        if (!st.code.empty()) line += " " + st.code;
        if (!st.command.empty()) line += " (" + st.command + ")";
        if (!st.message.empty()) line += ": " + st.message;
        if (!st.version.empty()) line += " version " + st.version;
        if (line != last) progress(events, line);
        last = line;
    });
    if (!r) {
        show_logs(node, events);
        return fail(about(r.error(), node.name));
    }
    StepResult out;
    out.details = {{"version", r->version}};
    return out;
}

Result<StepResult> ClusterRunner::verify(const Node& node, const Step& step, const Deadline& deadline,
                                         EventSink& events) {
    auto ready = wait_ready(node, param(step.params, "version"), step, deadline, events);
    if (!ready) return fail(ready.error());
    auto app = ports_.node_app(node);
    if (!app) return fail(app.error());
    auto plugins = (*app)->plugins(deadline);
    if (!plugins) return fail(about(plugins.error(), node.name));
    std::set<std::string> enabled;
    for (const auto& p : *plugins)
        if (p.enabled) enabled.insert(p.name);
    // Plugin set unchanged by the upgrade (recorded by app.record before the window opened).
    const std::string before = read_small_file(state_file("plugins-enabled"));
    if (!before.empty()) {
        std::set<std::string> lost;
        for (const auto& p : split(before))
            if (!enabled.contains(p)) lost.insert(p);
        if (!lost.empty())
            return fail(ErrorCode::Verification,
                        "node " + node.name + ": plugins enabled before the upgrade are not any more: " + join(lost));
    }
    CheckContext ctx{.inv = inv_, .node = node, .plugins = *plugins, .lb_get = ports_.lb_get};
    ctx.exec_on = [this](const std::string& name, const Argv& argv, const Deadline& d) -> Result<ExecResult> {
        const Node* n = inv_.find_node(name);
        if (n == nullptr) return fail(ErrorCode::Inventory, "check names unknown node " + name);
        auto s = slot(*n);
        if (!s) return fail(s.error());
        std::lock_guard lock((*s)->mu);
        return (*s)->driver->exec(argv, d);
    };
    auto checks = run_checks(ctx, deadline, [&](const std::string& m) { progress(events, m); });
    if (!checks) return fail(checks.error());
    StepResult out;
    out.details = {{"version", ready->details["version"]},
                   {"plugins_enabled", std::to_string(enabled.size())},
                   {"checks", std::to_string(*checks)}};
    return out;
}

Result<StepResult> ClusterRunner::verify_versions(const Step& step, const Deadline& deadline) {
    const std::string want = expected_app_version(param(step.params, "version"));
    std::map<std::string, std::string> versions;
    std::set<std::string> distinct;
    for (const auto& n : inv_.nodes) {
        auto app = ports_.node_app(n);
        if (!app) return fail(app.error());
        auto st = (*app)->check(deadline);
        if (st.phase != AppPhase::Ready)
            return fail(ErrorCode::Verification,
                        "node " + n.name + " is not ready (" + std::string(to_string(st.phase)) +
                            (st.message.empty() ? "" : ": " + st.message) + ")",
                        true);
        versions[n.name] = st.version;
        distinct.insert(st.version);
    }
    std::string listing;
    for (const auto& [n, v] : versions) listing += (listing.empty() ? "" : ", ") + n + "=" + v;
    if (distinct.size() != 1)
        return fail(ErrorCode::Verification, "nodes report different versions (" + listing + "); traffic stays off");
    if (!want.empty() && *distinct.begin() != want)
        return fail(ErrorCode::Verification, "nodes report " + *distinct.begin() + ", expected " + want);
    StepResult out;
    out.details = {{"version", *distinct.begin()}, {"nodes", listing}};
    return out;
}

Result<StepResult> ClusterRunner::traffic(const std::string& action, const Step& step, const Deadline& deadline,
                                          EventSink& events) {
    auto t = traffic_switch();
    if (!t) return fail(t.error());
    std::lock_guard lock(traffic_mu_);
    TrafficSwitch& sw = **t;
    StepResult out;
    if (action == "traffic.status") {
        auto st = sw.status(deadline);
        if (!st) return fail(st.error());
        out.details = {{"mode", std::string(to_string(st->mode))}, {"detail", st->detail}};
        // Every switch is verified through this URL later: one that does not answer fails now, unchanged.
        if (ports_.lb_get && !inv_.lb_url.empty()) {
            auto r = ports_.lb_get("/api/__health_check", deadline.capped(5s));
            // An LB the switch itself sets up (nginx cannot load its configuration before the include
            // exists) is not asked to answer first: the switch's own verification follows.
            if (!r && st->first_switch && param(step.params, "first_switch") == "true") {
                progress(events, "load balancer not set up yet (" + st->detail + "); " + inv_.lb_url +
                                     " does not answer (" + r.error().message +
                                     "): the switch sets it up and verifies it");
                return out;
            }
            if (!r)
                return fail(ErrorCode::Unreachable,
                            "load balancer " + inv_.lb_url + " (api.lb_url) does not answer: " + r.error().message,
                            true);
            out.details["lb_status"] = std::to_string(r->first);
        }
        return out;
    }
    // Workflows ask that traffic goes only to nodes that answer ready (require_ready): a node still booting
    // would fail requests (HAProxy takes a server leaving maintenance as up until its checks say otherwise;
    // nginx has no checks). `ncbctl traffic live` by hand switches as told.
    const bool require_ready = param(step.params, "require_ready") == "true";
    auto answers_ready = [&](const Node& n) {
        auto app = ports_.node_app(n);
        return app && (*app)->check(deadline).phase == AppPhase::Ready;
    };
    auto gate = [&](const Node& n) -> Status {
        // One answer is enough for a node that is already up (fan-out waited for it); only a node that is
        // not gets the full wait with its consecutive-ready rule.
        if (answers_ready(n)) return {};
        auto ready = wait_ready(n, "", step, deadline, events);
        if (!ready)
            return fail(ErrorCode::Verification,
                        ready.error().message + "; traffic stays on the maintenance page until it is ready",
                        ready.error().transient);
        return {};
    };
    if ((action == "traffic.live" || action == "traffic.pin") && require_ready) {
        for (const auto& n : inv_.nodes) {
            if (action == "traffic.pin" && n.name != param(step.params, "node")) continue;
            if (auto ok = gate(n); !ok) return fail(ok.error());
        }
    }
    // traffic.serve: `nodes` receive traffic. With `cumulative` (the --early-traffic joins, which run in
    // parallel) the nodes joined earlier in this run keep it: the run's work dir records every join, and
    // traffic_mu_ makes each read-serve-record whole, so two joins never drop each other's node. The record is
    // written before the switch, so a crash in between only makes the resumed join serve one node more.
    // Nodes joined earlier are re-checked with one readiness answer and left out when they do not answer.
    std::vector<std::string> serve_nodes;
    const std::string joined_file = state_file("traffic-joined");
    if (action == "traffic.serve") {
        const std::set<std::string> asked = split(param(step.params, "nodes"));
        for (const auto& n : asked)
            if (inv_.find_node(n) == nullptr)
                return fail(ErrorCode::Internal, "step " + step.id + ": no node " + n + " to send traffic to");
        std::set<std::string> joined = asked;
        const bool cumulative = param(step.params, "cumulative") == "true";
        if (cumulative) joined.merge(split(read_small_file(joined_file)));
        for (const auto& n : inv_.nodes) {
            if (!joined.contains(n.name)) continue;
            if (require_ready && asked.contains(n.name)) {
                if (auto ok = gate(n); !ok) return fail(ok.error());
            } else if (require_ready && !answers_ready(n)) {
                progress(events, "node " + n.name + " does not answer ready: left out of the load balancer");
                continue;
            }
            serve_nodes.push_back(n.name);
        }
        if (cumulative)
            if (auto w = write_small_file(joined_file, join(joined)); !w) return fail(w.error());
    }
    Status changed;
    long want_status = 0;
    if (action == "traffic.maintenance") {
        changed = sw.maintenance(deadline);
        want_status = 503;
    } else if (action == "traffic.live") {
        changed = sw.live(deadline);
        want_status = 200;
    } else if (action == "traffic.pin") {
        changed = sw.pin(param(step.params, "node"), deadline);
        want_status = 200;
    } else if (action == "traffic.serve") {
        changed = sw.serve(serve_nodes, deadline);
        want_status = 200;
        if (!changed && changed.error().code == ErrorCode::Unsupported && param(step.params, "cumulative") == "true") {
            // A driver that cannot serve a set (traffic.command without `serve`): the traffic stays as it
            // is and the node joins with the live phase, as without --early-traffic joins.
            progress(events, changed.error().message + ": " + join(split(param(step.params, "nodes"))) +
                                 " joins when the fan-out is done");
            out.details = {{"serving", "unchanged"}};
            return out;
        }
        if (changed) {
            std::string listing;
            for (const auto& n : serve_nodes) listing += (listing.empty() ? "" : ",") + n;
            out.details["serving"] = listing;
            progress(events, "traffic to " + listing);
        }
    } else {
        return fail(ErrorCode::Internal, "step " + step.id + ": unknown traffic action " + action);
    }
    if (!changed) return fail(changed.error());
    // Verified through the LB itself, as a client sees it (the switch already read its own state back).
    if (ports_.lb_get && !inv_.lb_url.empty()) {
        long last = 0;
        std::string retry_after;
        const Deadline probe_deadline = deadline.capped(30s);
        while (true) {
            auto r = ports_.lb_get("/api/__health_check", probe_deadline.capped(5s));
            if (r) {
                last = r->first;
                retry_after = r->second;
                if (last == want_status && (want_status != 503 || !retry_after.empty())) break;
            }
            if (probe_deadline.expired() || abort_requested())
                return fail(ErrorCode::Verification,
                            "load balancer " + inv_.lb_url + " answers " + std::to_string(last) + " after " + action +
                                ", expected " + std::to_string(want_status) +
                                (want_status == 503 ? " with Retry-After" : ""),
                            true);
            std::this_thread::sleep_for(100ms);
        }
        out.details["lb_status"] = std::to_string(last);
        if (!retry_after.empty()) out.details["retry_after"] = retry_after;
    }
    const std::string since_file = state_file("maintenance-since");
    if (action == "traffic.maintenance" || action == "traffic.live") {
        std::error_code ec;
        fs::remove(joined_file, ec);  // the joins of --early-traffic are over
    }
    if (action == "traffic.maintenance") {
        if (read_small_file(since_file).empty()) (void)write_small_file(since_file, std::to_string(now_ms()));
    } else {  // live, pin or serve: traffic is back (pin: --early-traffic ends the window)
        const std::string since = read_small_file(since_file);
        if (!since.empty()) {
            const double window = static_cast<double>(now_ms() - std::stoll(since)) / 1000.0;
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.1f", window);
            out.details["maintenance_window_s"] = buf;
            progress(events, std::string("503 window: ") + buf + " s");
            std::error_code ec;
            fs::remove(since_file, ec);
        }
    }
    return out;
}

Result<StepResult> ClusterRunner::cluster_action(const std::string& action, const Step& step, const Params& done,
                                                 const Deadline& deadline, EventSink& events) {
    if (action.starts_with("traffic.")) return traffic(action, step, deadline, events);
    if (action == "verify.versions") return verify_versions(step, deadline);
    StepResult out;
    if (action == "database.check") {
        if (auto st = ports_.database_check(deadline); !st) return fail(st.error());
        return out;
    }
    if (action == "app.record") {
        // The version and the enabled plugins before anything changes, from the first ready node.
        for (const auto& n : inv_.nodes) {
            auto app = ports_.node_app(n);
            if (!app) return fail(app.error());
            auto st = (*app)->check(deadline);
            if (st.phase != AppPhase::Ready) continue;
            auto plugins = (*app)->plugins(deadline);
            if (!plugins) return fail(about(plugins.error(), n.name));
            std::set<std::string> enabled;
            for (const auto& p : *plugins)
                if (p.enabled) enabled.insert(p.name);
            if (auto w = write_small_file(state_file("plugins-enabled"), join(enabled)); !w) return fail(w.error());
            out.details = {
                {"version", st.version}, {"node", n.name}, {"plugins_enabled", std::to_string(enabled.size())}};
            return out;
        }
        return fail(ErrorCode::Unreachable,
                    "no node answers ready: cannot record the version and plugins before "
                    "the upgrade (start the cluster first: ncbctl start)",
                    true);
    }
    if (action == "backup.space") {
        if (inv_.backup.destination.empty()) return fail(ErrorCode::Inventory, "backup.destination is not set");
        std::error_code ec;
        fs::create_directories(inv_.backup.destination, ec);
        struct statvfs vfs {};
        if (::statvfs(inv_.backup.destination.c_str(), &vfs) != 0)
            return fail(ErrorCode::Io, "cannot stat backup destination " + inv_.backup.destination);
        const std::uint64_t free_bytes = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
        std::uint64_t need = 0;
        if (ports_.database_size) {
            auto size = ports_.database_size(deadline);
            if (!size) return fail(size.error());
            need = *size;  // a custom-format dump is compressed: the database size is a safe upper bound
        }
        out.details = {{"free_bytes", std::to_string(free_bytes)}, {"needed_bytes", std::to_string(need)}};
        if (free_bytes < need + (64ULL << 20))
            return fail(ErrorCode::Io, "backup destination " + inv_.backup.destination + " has " +
                                           std::to_string(free_bytes >> 20) + " MiB free; the database needs about " +
                                           std::to_string(need >> 20) + " MiB");
        return out;
    }
    if (action == "backup.database") {
        auto r = ports_.database_dump(inv_.cluster + "-" + utc_stamp(), deadline);
        if (!r) return fail(r.error());
        out.details = *r;
        progress(events, "backup " + param(*r, "path") + " sha256 " + param(*r, "sha256").substr(0, 12) + "… verified");
        return out;
    }
    if (action == "backup.storage") {
        auto r = ports_.storage_archive(inv_.cluster + "-" + utc_stamp(), deadline);
        if (!r) return fail(r.error());
        out.details = *r;
        return out;
    }
    if (action == "backup.restore" || action == "backup.restore_storage") {
        std::string path = param(done, "path");
        if (path.empty()) path = param(step.params, "path");  // `ncbctl rollback RUN`
        if (path.empty()) return fail(ErrorCode::Internal, "step " + step.id + ": no backup recorded to restore");
        progress(events, "restoring " + path);
        auto st = action == "backup.restore" ? ports_.database_restore(path, deadline)
                                             : ports_.storage_restore(path, deadline);
        if (!st) return fail(st.error());
        out.details = {{"restored", path}};
        return out;
    }
    return fail(ErrorCode::Internal, "step " + step.id + ": unknown cluster action " + action);
}

}  // namespace ncbctl::workflow
