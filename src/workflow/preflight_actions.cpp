// preflight.cluster (docs/preflight.md): the facts every node, the LB and the database show, gathered through
// the node drivers, then the rules of cluster_rules.cpp. Each finding is one progress event (details.finding);
// any error fails the step (preflight: exit 3, nothing changed).
#include <random>

#include "ncbctl/actions.hpp"
#include "util/sha256.hpp"
#include "workflow/cluster_facts.hpp"
#include "workflow/cluster_preflight.hpp"
#include "workflow/cluster_rules.hpp"
#include "workflow/cluster_runner.hpp"
#include "workflow/progress.hpp"
#include "workflow/state_files.hpp"

namespace ncbctl::workflow {
namespace {

std::string nonce_name() {
    std::random_device rd;
    const char* hex = "0123456789abcdef";
    std::string s = ".ncbctl-preflight-";
    for (int i = 0; i < 16; ++i) s += hex[rd() % 16];
    return s;
}

// The Redis URLs node `n`'s environment sets, pinged from here through the redis_ping port where this machine
// can reach them as the node does (docs/preflight.md "Redis"). `env` holds values: only answers leave here.
std::vector<RedisProbe> probe_redis(const ClusterPorts& ports, const Node& n,
                                    const std::map<std::string, std::string>& env,
                                    std::map<std::string, RedisProbe>& pinged, const Deadline& d) {
    std::vector<RedisProbe> out;
    for (auto var : redis_url_variables()) {
        auto it = env.find(std::string(var));
        if (it == env.end() || it->second.empty()) continue;
        RedisProbe p{.variable = std::string(var)};
        auto addr = parse_node_redis_url(it->second);
        if (!addr) {
            p.detail =
                "not a redis:// URL ncbctl pings (a rediss:// one is verified with the node's CA settings, a "
                "socket path is on the node)";
        } else if (is_loopback_host(addr->host) && !node_on_this_machine(n)) {
            p.detail = "it names the node's own loopback, which is not this machine's";
        } else if (!ports.redis_ping) {
            p.detail = "no Redis client here";
        } else {
            const std::string key = util::sha256_hex(it->second);
            if (auto done = pinged.find(key); done != pinged.end()) {
                p.answer = done->second.answer;
                p.detail = done->second.detail;
            } else {
                auto st = ports.redis_ping(*addr, d);
                if (st) {
                    p.answer = RedisAnswer::Answered;
                } else {
                    p.answer = st.error().code == ErrorCode::NotFound  ? RedisAnswer::NotCheckable
                               : st.error().code == ErrorCode::Timeout ? RedisAnswer::TimedOut
                                                                       : RedisAnswer::NoAnswer;
                    p.detail = st.error().message;
                }
                pinged[key] = p;
            }
        }
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace

Result<StepResult> ClusterRunner::preflight_cluster(const std::string&, const Call& c) {
    ClusterFacts facts;
    facts.storage_required = param(c.step.params, "storage") != "optional";
    facts.db_host = inv_.database.host;
    facts.db_name = inv_.database.name;
    facts.target_version = param(c.step.params, "version");
    const bool strict = param(c.step.params, "strict") == "1";
    const std::string nonce = nonce_name();
    const Node* writer = nullptr;
    std::string writer_path;
    std::map<std::string, RedisProbe> pinged;  // sha256 of a URL -> its answer: each distinct URL pinged once

    for (const auto& n : inv_.nodes) {
        auto s = slot(n);
        if (!s) return fail(s.error());
        std::lock_guard lock((*s)->mu);
        NodeDriver& d = *(*s)->driver;
        NodeFacts nf{.node = n.name};
        if (auto st = d.probe(c.deadline); st && st->reachable) nf.deployed_version = st->deployed_version;
        // The environment: every readable source merged (later wins); none readable: not checkable.
        std::map<std::string, std::string> env;
        std::string sources;
        for (const auto& src : env_sources(n)) {
            auto r = d.exec(src.argv, c.deadline);
            if (!r || r->exit_code != 0) continue;
            auto part = parse_env_source(src, r->out);
            for (auto& [k, v] : part) env[k] = std::move(v);
            sources += (sources.empty() ? "" : ", ") + src.label;
        }
        if (!sources.empty()) {
            if (n.driver == DriverKind::Ssh && n.ssh.service.preset != "systemd" &&
                n.ssh.service.preset != "docker-compose")
                for (const auto& [k, v] : n.ssh.service.env) env[k] = v;  // set on the service's commands
            nf.env.emplace();
            digest_environment(env, *nf.env, nf.env_plain);
            nf.env_source = sources;
            nf.redis = probe_redis(ports_, n, env, pinged, c.deadline);
        }
        env.clear();
        // Storage: the nonce file written through the first node that knows its storage directory.
        const std::string dir = node_storage_dir(n);
        if (!dir.empty() && inv_.nodes.size() > 1) {
            const std::string path = dir + "/" + nonce;
            if (!writer) {
                auto w = d.exec({"touch", path}, c.deadline);
                if (w && w->exit_code == 0) {
                    writer = &n;
                    writer_path = path;
                    nf.storage_seen = true;
                }
            } else {
                auto r = d.exec({"test", "-e", path}, c.deadline);
                if (r && (r->exit_code == 0 || r->exit_code == 1)) nf.storage_seen = r->exit_code == 0;
            }
        }
        facts.nodes.push_back(std::move(nf));
    }
    if (writer) {
        auto s = slot(*writer);
        if (s) {
            std::lock_guard lock((*s)->mu);
            (void)(*s)->driver->exec({"rm", "-f", writer_path}, c.deadline);
        }
    }
    // The LB: the servers its backend has (drivers that can list them: HAProxy), and what it lacks (setup
    // gaps: HAProxy's missing or TCP-only health check; nginx: its include), each a warning.
    std::vector<std::string> gaps;
    if (inv_.traffic.driver == "haproxy") {
        for (const auto& n : inv_.nodes) {
            auto it = inv_.traffic.servers.find(n.name);
            facts.lb_expected[n.name] = it == inv_.traffic.servers.end() ? n.name : it->second;
        }
        if (auto sw = traffic_switch(); sw) {
            std::lock_guard lock(traffic_mu_);
            if (auto names = (*sw)->backend_servers(c.deadline); names) facts.lb_servers = std::move(*names);
            if (auto g = (*sw)->setup_gaps(c.deadline); g) gaps = std::move(*g);
        }
    }

    auto findings = evaluate(facts, strict);
    for (const auto& g : gaps)
        findings.push_back({strict ? Severity::Error : Severity::Warning, "lb", {}, g, "see docs/traffic.md"});
    StepResult out;
    int errors = 0, warnings = 0;
    std::string first_error;
    for (const auto& f : findings) {
        std::string nodes;
        for (const auto& n : f.nodes) nodes += (nodes.empty() ? "" : ",") + n;
        progress(
            c.events, format_finding(f),
            {{"finding", f.check}, {"severity", std::string(to_string(f.severity))}, {"nodes", nodes}, {"fix", f.fix}});
        if (f.severity == Severity::Error) {
            if (first_error.empty()) first_error = format_finding(f);
            ++errors;
        } else if (f.severity == Severity::Warning) {
            ++warnings;
        }
    }
    out.details = {{"errors", std::to_string(errors)},
                   {"warnings", std::to_string(warnings)},
                   {"findings", std::to_string(findings.size())}};
    if (errors > 0)
        return fail(ErrorCode::Conflict,
                    "cluster preflight: " + std::to_string(errors) + " error(s); first: " + first_error);
    return out;
}

}  // namespace ncbctl::workflow

namespace ncbctl::workflow {
namespace {

struct Collect final : EventSink {
    PreflightReport& r;
    explicit Collect(PreflightReport& report) : r(report) {}
    void on_event(const Event& e) override {
        if (!e.details.contains("finding")) return;
        r.lines.push_back(e.message);
        r.details.push_back(e.details);
    }
};

}  // namespace

PreflightReport run_cluster_preflight(const Inventory& inv, ClusterPorts ports, bool strict, const Deadline& d) {
    PreflightReport report;
    ClusterRunner runner(inv, std::move(ports), std::string());
    Step step;
    step.id = "preflight/cluster";
    step.target = std::string(kClusterTarget);
    step.action = std::string(actions::kPreflightCluster);
    if (strict) step.params["strict"] = "1";
    Collect sink(report);
    auto r = runner.run(step, d, sink);
    if (!r) {
        report.ok = false;
        report.error = r.error().message;
    }
    return report;
}

}  // namespace ncbctl::workflow
