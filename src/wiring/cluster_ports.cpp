// The real ports of a cluster: node drivers from the driver table, NocoBase clients, the traffic switch,
// HTTP through libcurl, the npm registry, database dumps and storage archives.
#include "backup/database_clone.hpp"
#include "backup/database_dump.hpp"
#include "backup/storage_archive.hpp"
#include "lock/redis_ping.hpp"
#include "net/http.hpp"
#include "nocobase/client.hpp"
#include "nocobase/npm_registry.hpp"
#include "wiring/wiring.hpp"

#include <cstdio>

namespace ncbctl::wiring {
namespace {

// After the nodes stop, how long their database sessions may take to close before the clone gives up.
constexpr Duration kCloneSessionWait{15000};

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", s);
    return buf;
}

}  // namespace

std::unique_ptr<AppClient> make_app_client(const Node& node, const Inventory& inv) {
    return nocobase::make_app_client(node, inv);
}

workflow::ClusterPorts make_cluster_ports(const Inventory& inv) {
    workflow::ClusterPorts p;
    p.node_driver = [&inv](const Node& n) { return make_node_driver(n, inv); };
    p.node_app = [&inv](const Node& n) -> Result<std::unique_ptr<AppClient>> { return make_app_client(n, inv); };
    p.traffic = [&inv] { return make_traffic_switch(inv); };
    p.http_get = [](const std::string& url, const TlsOptions& tls, const Deadline& d) -> Result<HttpAnswer> {
        net::HttpClient client;
        auto r = client.perform({.url = url, .tls = tls}, d);
        if (!r) return fail(r.error());
        return HttpAnswer{.status = r->status, .body = std::move(r->body), .retry_after = r->header("retry-after")};
    };
    p.lb_get = [&inv, get = p.http_get](const std::string& path,
                                        const Deadline& d) -> Result<std::pair<long, std::string>> {
        auto r = get(inv.lb_url + path, inv.api_tls, d);
        if (!r) return fail(r.error());
        return std::pair{r->status, r->retry_after};
    };
    // The database tools run where database.run_on says (make_tool_runner); each call builds its
    // runner (SSH transports and their masters are shared per target, so this costs no connection).
    p.database_check = [&inv](const Deadline& d) -> Status {
        auto tools = make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        auto r = backup::check_database(**tools, inv.database, d);
        if (!r) return fail(r.error());
        return {};
    };
    p.database_size = [&inv](const Deadline& d) -> Result<std::uint64_t> {
        auto tools = make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        return backup::database_size(**tools, inv.database, d);
    };
    auto dump = [&inv](const std::string& base, const std::string& from, const Deadline& d) -> Result<Params> {
        auto tools = make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        auto m = backup::dump_database(**tools, inv.database, inv.backup.destination, base, "", d, from);
        if (!m) return fail(m.error());
        Params out{{"path", m->path},
                   {"sha256", m->sha256},
                   {"bytes", std::to_string(m->bytes)},
                   {"verified_by", m->verified_by},
                   {"ran_on", m->ran_on},
                   {"seconds", seconds_text(m->seconds)}};
        if (!from.empty()) out["dumped_from"] = from;
        return out;
    };
    p.database_dump = [dump](const std::string& base, const Deadline& d) { return dump(base, "", d); };
    p.database_dump_copy = dump;
    p.dump_verify = [&inv](const std::string& path, const Deadline& d) -> Result<Params> {
        auto tools = make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        auto m = backup::verify_dump(**tools, inv.database, path, d);
        if (!m) return fail(m.error());
        return Params{{"path", path}, {"sha256", m->sha256}, {"verified_by", m->verified_by}};
    };
    p.clone_names = [&inv](const std::string& run_id) {
        auto n = backup::clone_names(inv.database.name, run_id);
        return std::pair{n.copy, n.failed};
    };
    p.clone_check = [&inv](const std::string& copy, const std::string& failed,
                           const Deadline& d) -> Result<std::string> {
        auto tools = make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        return backup::clone_preflight(**tools, inv.database, {copy, failed}, d);
    };
    p.database_clone = [&inv](const std::string& copy, const Deadline& d) -> Result<Params> {
        auto tools = make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        auto r = backup::clone_database(**tools, inv.database, copy, kCloneSessionWait, d,
                                        backup::clone_strategy_of(inv.backup.clone_strategy));
        if (!r) return fail(r.error());
        return Params{{"copy", r->copy},
                      {"strategy", r->strategy},
                      {"verified", r->verified},
                      {"reused", r->reused ? "true" : "false"},
                      {"seconds", seconds_text(r->seconds)},
                      {"ran_on", (*tools)->where()}};
    };
    p.clone_swap = [&inv](const std::string& copy, const std::string& failed, const Deadline& d) -> Result<Params> {
        auto tools = make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        auto r = backup::swap_in_clone(**tools, inv.database, {copy, failed}, d);
        if (!r) return fail(r.error());
        return Params{{"already", r->already ? "true" : "false"},
                      {"terminated", std::to_string(r->terminated)},
                      {"seconds", seconds_text(r->seconds)}};
    };
    p.database_exists = [&inv](const std::string& name, const Deadline& d) -> Result<bool> {
        auto tools = make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        return backup::database_exists(**tools, inv.database, name, d);
    };
    p.database_drop = [&inv](const std::string& name, const Deadline& d) -> Status {
        auto tools = make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        return backup::drop_database(**tools, inv.database, name, d);
    };
    p.database_restore = [&inv](const std::string& path, const Deadline& d) -> Status {
        auto tools = make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        return backup::restore_dump(**tools, inv.database, path, d);
    };
    p.storage_archive = [&inv](const std::string& base, const Deadline& d) {
        return backup::archive_storage(inv.backup.storage_path, inv.backup.destination, base, d);
    };
    p.storage_restore = [&inv](const std::string& path, const Deadline& d) {
        return backup::restore_storage(path, inv.backup.storage_path, d);
    };
    p.registry = nocobase::fetch_registry_package;
    if (inv.lock.backend != "local")
        p.lock_read = [&inv](const Deadline& d) -> Result<std::optional<LockHolder>> {
            auto backend = make_lock_backend(inv, "");  // the state dir is the local lock's only
            if (!backend) return fail(backend.error());
            return (*backend)->read(d);
        };
    p.redis_ping = [&inv](const workflow::RedisAddress& a, const Deadline& d) {
        return lock::ping_redis({.host = a.host,
                                 .port = a.port,
                                 .db = a.db,
                                 .user = a.user,
                                 .password = a.password,
                                 .where = {},
                                 .connect_timeout = std::chrono::duration_cast<Duration>(inv.timeouts.connect)},
                                d);
    };
    return p;
}

}  // namespace ncbctl::wiring
