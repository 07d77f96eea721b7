// The real ports of a cluster: node drivers from the driver table, NocoBase clients, the traffic switch,
// database dumps and storage archives.
#include "backup/database_dump.hpp"
#include "backup/storage_archive.hpp"
#include "drivers/registry.hpp"
#include "net/http.hpp"
#include "nocobase/client.hpp"
#include "workflow/cluster_runner.hpp"

namespace ncbctl::workflow {

ClusterPorts make_cluster_ports(const Inventory& inv) {
    ClusterPorts p;
    p.node_driver = [&inv](const Node& n) { return drivers::make_node_driver(n, inv); };
    p.node_app = [&inv](const Node& n) -> Result<std::unique_ptr<AppClient>> {
        return std::unique_ptr<AppClient>(nocobase::make_app_client(n, inv));
    };
    p.traffic = [&inv]() -> Result<std::unique_ptr<TrafficSwitch>> {
        auto runner = drivers::make_runner(inv.traffic.via_node, inv);
        if (!runner) return fail(runner.error());
        auto sw = make_traffic_switch(inv, std::move(*runner));
        if (!sw) return fail(ErrorCode::Inventory, "traffic driver " + inv.traffic.driver + " is not known");
        return sw;
    };
    p.lb_get = [&inv](const std::string& path, const Deadline& d) -> Result<std::pair<long, std::string>> {
        net::HttpClient client;
        auto r = client.perform({.url = inv.lb_url + path, .tls = inv.api_tls}, d);
        if (!r) return fail(r.error());
        return std::pair{r->status, r->header("retry-after")};
    };
    // The database tools run where database.run_on says (drivers::make_tool_runner); each call builds its
    // runner (SSH transports and their masters are shared per target, so this costs no connection).
    p.database_check = [&inv](const Deadline& d) -> Status {
        auto tools = drivers::make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        auto r = backup::check_database(**tools, inv.database, d);
        if (!r) return fail(r.error());
        return {};
    };
    p.database_size = [&inv](const Deadline& d) -> Result<std::uint64_t> {
        auto tools = drivers::make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        return backup::database_size(**tools, inv.database, d);
    };
    p.database_dump = [&inv](const std::string& base, const Deadline& d) -> Result<Params> {
        auto tools = drivers::make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        auto m = backup::dump_database(**tools, inv.database, inv.backup.destination, base, "", d);
        if (!m) return fail(m.error());
        return Params{{"path", m->path},
                      {"sha256", m->sha256},
                      {"bytes", std::to_string(m->bytes)},
                      {"verified_by", m->verified_by},
                      {"ran_on", m->ran_on}};
    };
    p.database_restore = [&inv](const std::string& path, const Deadline& d) -> Status {
        auto tools = drivers::make_tool_runner(inv);
        if (!tools) return fail(tools.error());
        return backup::restore_dump(**tools, inv.database, path, d);
    };
    p.storage_archive = [&inv](const std::string& base, const Deadline& d) {
        return backup::archive_storage(inv.backup.storage_path, inv.backup.destination, base, d);
    };
    p.storage_restore = [&inv](const std::string& path, const Deadline& d) {
        return backup::restore_storage(path, inv.backup.storage_path, d);
    };
    return p;
}

}  // namespace ncbctl::workflow
