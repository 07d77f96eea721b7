// Operational sections: traffic switching, database, backup, verification checks.
#include <algorithm>

#include "inventory/schema.hpp"

namespace ncbctl::inv {

namespace {

Problem check_plugin_name(std::string_view s) {
    const bool ok = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '@' || c == '/' || c == '.' || c == '_' ||
               c == '-';
    });
    if (ok && s.front() != '-') return std::nullopt;
    return "`" + std::string(s) + "` is not a plugin name (e.g. acl or @nocobase/plugin-acl)";
}

// A driver-specific block is read only when the driver matches; given for another driver it is an error.
std::optional<MapView> driver_block(const MapView& t, const std::string& driver, std::string_view name,
                                    std::vector<std::string_view> known) {
    if (driver.empty()) return std::nullopt;  // already reported
    if (driver != name) {
        if (t.has(name)) t.error(name, "applies only to `driver: " + std::string(name) + "`");
        return std::nullopt;
    }
    return t.map(name, std::move(known), true);
}

void parse_bypass(const MapView& t, TrafficSpec& spec) {
    auto b = t.map("bypass", {"header", "secret_env", "secret_file", "source", "haproxy_backend"});
    if (!b) return;
    BypassSpec bp;
    b->string("header", bp.header, {.check = check_header_name, .required = true});
    b->secret("secret", bp.secret);
    b->string("source", bp.source, {.check = check_cidr});
    b->string("haproxy_backend", bp.haproxy_backend, {.check = check_safe_name});
    spec.bypass = std::move(bp);
}

}  // namespace

void parse_traffic(const MapView& root, Inventory& inv, RefMarks& marks) {
    auto t = root.map(
        "traffic", {"driver", "via_node", "retry_after", "maintenance_page", "bypass", "haproxy", "nginx", "command"});
    if (!t) return;
    TrafficSpec& spec = inv.traffic;
    std::string driver;
    t->choice("driver", driver, {"haproxy", "nginx", "command", "none"}, true);
    if (!driver.empty()) spec.driver = driver;
    if (t->string("via_node", spec.via_node, {.check = check_safe_name}))
        marks.traffic_via_node = t->value_mark("via_node");
    t->integer("retry_after", spec.retry_after, 0, 86400);
    t->local_file("maintenance_page", spec.maintenance_page);
    parse_bypass(*t, spec);

    if (auto h = driver_block(*t, driver, "haproxy", {"socket", "backend", "servers"})) {
        h->string("socket", spec.socket, {.check = check_socket_path, .expand = Expand::Yes, .required = true});
        h->string("backend", spec.backend, {.check = check_safe_name, .required = true});
        if (auto s = h->open_map("servers", true)) {
            marks.has_haproxy_servers = true;
            marks.haproxy_servers = h->key_mark("servers");
            spec.servers = s->string_map(check_safe_name, {.check = check_safe_name});
            for (const auto& [k, v] : s->entries()) marks.haproxy_server_keys[k.Scalar()] = k.Mark();
        }
    }
    if (auto n = driver_block(
            *t, driver, "nginx",
            {"include_file", "upstream", "test_command", "reload_command", "upstreams", "maintenance_listen"})) {
        n->string("include_file", spec.include_file,
                  {.check = check_remote_path, .expand = Expand::Yes, .required = true});
        n->string("upstream", spec.upstream, {.check = check_safe_name});
        n->string("maintenance_listen", spec.maintenance_listen,
                  {.check = [](std::string_view v) -> Problem {
                       if (v.starts_with("unix:")) return check_remote_path(v.substr(5));
                       return check_host_port(v);
                   },
                   .expand = Expand::Yes});
        spec.test_command = {"nginx", "-t"};
        spec.reload_command = {"nginx", "-s", "reload"};
        n->argv("test_command", spec.test_command, {});
        n->argv("reload_command", spec.reload_command, {});
        if (auto u = n->open_map("upstreams", true)) {
            marks.has_nginx_upstreams = true;
            marks.nginx_upstreams = n->key_mark("upstreams");
            spec.upstreams = u->string_map(check_safe_name, {.check = check_host_port, .expand = Expand::Yes});
            for (const auto& [k, v] : u->entries()) marks.nginx_upstream_keys[k.Scalar()] = k.Mark();
        }
    }
    if (auto c = driver_block(*t, driver, "command", {"maintenance", "live", "pin", "status", "serve"})) {
        c->argv("maintenance", spec.cmd_maintenance, {}, true);
        c->argv("live", spec.cmd_live, {}, true);
        c->argv("pin", spec.cmd_pin, {"node"});
        c->argv("status", spec.cmd_status, {});
        c->argv("serve", spec.cmd_serve, {"nodes"});
    }
}

namespace {

// pg_dump's format, parallel jobs and compression (PostgreSQL only). A directory dump is many files written
// by pg_dump itself, so it needs the tools on this machine: one stdout over SSH or docker exec carries one file.
void parse_dump_options(const MapView& d, DatabaseSpec& db) {
    const bool pg = db.dialect == "postgres";
    for (std::string_view key : {"dump_format", "jobs", "dump_compress"})
        if (d.has(key) && !pg)
            d.error(key, "PostgreSQL only (" + db.dialect + " is dumped by mysqldump as one SQL stream); remove it");
    if (!pg) return;
    d.choice("dump_format", db.dump_format, {"custom", "directory"});
    d.integer("jobs", db.jobs, 1, 64);
    d.integer("dump_compress", db.dump_compress, 0, 9);
    if (db.dump_format == "directory" && db.run_on != "local")
        d.error("dump_format",
                "`directory` needs `database.run_on: local` (pg_dump writes the directory where ncbctl keeps it; "
                "through " +
                    db.run_on + " a dump is one stream): use `dump_format: custom` there");
}

}  // namespace

void parse_database(const MapView& root, Inventory& inv, RefMarks& marks) {
    auto d = root.map("database", {"dialect", "host", "port", "name", "user", "password_env", "password_file", "run_on",
                                   "dump_command", "restore_command", "dump_format", "jobs", "dump_compress"});
    if (!d) return;
    marks.has_database = true;
    DatabaseSpec& db = inv.database;
    d->choice("dialect", db.dialect, {"postgres", "mysql", "mariadb"});
    if (db.dialect != "postgres") db.port = 3306;
    d->string("host", db.host, {.check = check_host, .expand = Expand::Yes});
    d->integer("port", db.port, 1, 65535);
    d->string("name", db.name, {.check = check_safe_name, .expand = Expand::Yes, .required = true});
    d->string("user", db.user, {.check = check_user, .expand = Expand::Yes, .required = true});
    d->secret("password", db.password);
    if (d->string("run_on", db.run_on, {.check = [](std::string_view s) -> Problem {
                      if (s == "local") return std::nullopt;
                      for (std::string_view p : {"node:", "container:"})
                          if (s.starts_with(p)) {
                              if (auto bad = check_safe_name(s.substr(p.size())))
                                  return "`" + std::string(s) + "`: " + *bad;
                              return std::nullopt;
                          }
                      return "`" + std::string(s) + "` is not local, node:NAME or container:NAME";
                  }})) {
        marks.database_run_on = d->value_mark("run_on");
    }
    d->string("dump_command", db.dump_command, {.check = check_remote_path, .expand = Expand::Yes});
    d->string("restore_command", db.restore_command, {.check = check_remote_path, .expand = Expand::Yes});
    parse_dump_options(*d, db);
}

void parse_backup(const MapView& root, Inventory& inv, RefMarks& marks) {
    auto b = root.map(
        "backup", {"method", "destination", "storage_path", "in_window", "clone_strategy", "retention", "ping"}, true);
    if (!b) return;
    marks.has_backup = true;
    marks.backup = b->mark();
    BackupSpec& spec = inv.backup;
    b->choice("method", spec.method, {"database", "api"});
    b->local_path("destination", spec.destination, true);
    b->string("storage_path", spec.storage_path, {.check = check_remote_path, .expand = Expand::Yes});
    if (b->choice("in_window", spec.in_window, {"dump", "clone"})) marks.backup_in_window = b->value_mark("in_window");
    if (b->choice("clone_strategy", spec.clone_strategy, {"file_copy", "wal_log"}))
        marks.backup_clone_strategy = b->value_mark("clone_strategy");
    if (auto r = b->map("retention", {"keep_last", "keep_daily", "keep_weekly"})) {
        r->integer("keep_last", spec.retention.keep_last, 0, 10000);
        r->integer("keep_daily", spec.retention.keep_daily, 0, 10000);
        r->integer("keep_weekly", spec.retention.keep_weekly, 0, 10000);
    }
    if (auto p = b->map("ping", {"start", "success", "failure"})) {
        const Str url{.check = check_http_url, .expand = Expand::Yes};
        p->strings("start", spec.ping_start, url);
        p->strings("success", spec.ping_success, url);
        p->strings("failure", spec.ping_failure, url);
    }
}

void parse_checks(const MapView& root, Inventory& inv, RefMarks& marks) {
    if (!root.has("checks")) return;
    const YAML::Node v = root.value("checks");
    if (!v.IsSequence()) {
        root.error("checks", "expected a list of checks, got " + describe(v));
        return;
    }
    std::size_t i = 0;
    for (const auto& item : v) {
        const std::string path = "checks[" + std::to_string(i++) + "]";
        MapView m(item, item.IsNull() ? root.value_mark("checks") : item.Mark(), path, root.sink(),
                  {"name", "http", "plugins_enabled", "command"});
        YAML::Mark node_mark;
        if (!m.valid()) continue;
        ncbctl::Check c;
        const int kinds = int{m.has("http")} + int{m.has("plugins_enabled")} + int{m.has("command")};
        if (kinds != 1)
            root.sink().error(m.mark(), path + ": give exactly one of `http`, `plugins_enabled`, `command`");
        m.string("name", c.name);
        if (auto h = m.map("http", {"path", "status", "json_pointer", "equals", "through_lb"})) {
            HttpCheck hc;
            h->string("path", hc.path, {.check = check_http_path, .required = true});
            h->integer("status", hc.status, 100, 599);
            h->string("json_pointer", hc.json_pointer, {.check = check_json_pointer});
            h->string(
                "equals", hc.equals,
                {.check = [](std::string_view s) { return check_placeholders(s, {"version"}); }, .allow_empty = true});
            if (h->has("equals") && !h->has("json_pointer")) h->missing("json_pointer");
            h->boolean("through_lb", hc.through_lb);
            if (c.name.empty()) c.name = "http " + hc.path;
            c.http = std::move(hc);
        }
        if (m.strings("plugins_enabled", c.plugins_enabled, {.check = check_plugin_name}) && c.name.empty())
            c.name = "plugins enabled";
        if (auto cm = m.map("command", {"node", "run"})) {
            CommandCheck cc;
            if (cm->string("node", cc.node, {.check = check_safe_name})) node_mark = cm->value_mark("node");
            cm->argv("run", cc.argv, {"node", "version"}, true);
            if (c.name.empty()) c.name = "command";
            c.command = std::move(cc);
        }
        if (c.name.empty()) c.name = path;
        marks.check_nodes.push_back({node_mark, path + ".command.node"});
        inv.checks.push_back(std::move(c));
    }
}

}  // namespace ncbctl::inv
