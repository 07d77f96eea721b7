// The `nodes` list: name, direct URL, and the docker or ssh driver settings of each node.
#include <algorithm>

#include "inventory/schema.hpp"

namespace ncbctl::inv {

namespace {

const std::vector<std::string_view> kSshConnection = {"identity_file",    "jump_host", "host_key_checking",
                                                      "known_hosts_file", "options",   "config_file"};

std::vector<std::string_view> with(std::vector<std::string_view> a, const std::vector<std::string_view>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Connection options shared by ssh nodes and docker ssh:// endpoints (whose host/user/port come from the URL).
void parse_ssh_connection(const MapView& m, SshTarget& t) {
    m.local_file("identity_file", t.identity_file);
    m.string("jump_host", t.jump_host, {.check = check_jump_host, .expand = Expand::Yes});
    m.choice("host_key_checking", t.host_key_checking, {"strict", "accept-new"});
    // accept-new: ssh creates the file on first contact, so it need not exist yet.
    if (t.host_key_checking == "strict")
        m.local_file("known_hosts_file", t.known_hosts_file);
    else
        m.local_path("known_hosts_file", t.known_hosts_file);
    m.strings("options", t.options, {.check = check_ssh_option});
    m.local_file("config_file", t.config_file);
}

void parse_docker(const MapView& node, Node& n) {
    auto d = node.map("docker",
                      {"endpoint", "container", "image", "tls", "ssh", "socket_path", "registry_auth_env",
                       "registry_auth_file", "stop_timeout", "previous_suffix", "upgrade_marker_dir"},
                      true);
    if (!d) return;
    DockerNode& dn = n.docker;
    dn.endpoint = "unix:///var/run/docker.sock";
    d->string("endpoint", dn.endpoint, {.expand = Expand::Yes});
    auto ep = parse_endpoint(dn.endpoint);
    if (!ep) {
        d->error("endpoint", ep.error());
    } else if (ep->scheme == "ssh") {
        dn.ssh.host = ep->host;
        dn.ssh.user = ep->user;
        if (ep->port != 0) dn.ssh.port = ep->port;
    }
    const std::string scheme = ep ? ep->scheme : std::string();
    if (d->has("tls") && ep && scheme != "tcp")
        d->error("tls", "applies only to a tcp:// endpoint");
    else
        parse_tls_options(*d, dn.tls, true);
    if (d->has("ssh") && ep && scheme != "ssh") {
        d->error("ssh", "applies only to an ssh:// endpoint");
    } else if (auto s = d->map("ssh", kSshConnection)) {
        parse_ssh_connection(*s, dn.ssh);
    }
    if (d->has("socket_path") && ep && scheme != "ssh")
        d->error("socket_path", "applies only to an ssh:// endpoint (the Docker socket on the remote host)");
    else
        d->string("socket_path", dn.socket_path, {.check = check_remote_path, .expand = Expand::Yes});
    d->string("container", dn.container, {.check = check_safe_name, .required = true});
    d->string("image", dn.image, {.check = check_image, .expand = Expand::Yes, .required = true});
    d->secret("registry_auth", dn.registry_auth);
    d->duration("stop_timeout", dn.stop_timeout);
    d->string("upgrade_marker_dir", dn.upgrade_marker_dir, {.check = check_remote_path});
    d->string("previous_suffix", dn.previous_suffix, {.check = [](std::string_view s) -> Problem {
                  if (!check_safe_name("x" + std::string(s))) return std::nullopt;
                  return "`" + std::string(s) + "` is not a safe container-name suffix (letters, digits and `_.-`)";
              }});
}

void parse_service(const MapView& node, Node& n) {
    auto s = node.map(
        "service",
        {"preset", "unit", "project_dir", "compose_service", "image_var", "compose_command", "process",
         "supervisor_config", "app_dir", "storage_dir", "env", "start", "stop", "status", "upgrade", "version", "logs"},
        true);
    if (!s) return;
    ServiceSpec& sv = n.ssh.service;
    if (!s->choice("preset", sv.preset, {"systemd", "docker-compose", "pm2", "supervisord", "custom"}, true)) {
        sv.preset.clear();
    }
    struct Applies {
        std::string_view key;
        std::vector<std::string_view> presets;
    };
    static const std::vector<Applies> kApplies = {
        {"unit", {"systemd"}},
        {"project_dir", {"docker-compose"}},
        {"compose_service", {"docker-compose"}},
        {"image_var", {"docker-compose"}},
        {"compose_command", {"docker-compose"}},
        {"process", {"pm2", "supervisord"}},
        {"supervisor_config", {"supervisord"}},
        {"app_dir", {"systemd", "pm2", "supervisord", "custom"}},
    };
    for (const auto& a : kApplies) {
        if (sv.preset.empty() || !s->has(a.key)) continue;
        if (std::find(a.presets.begin(), a.presets.end(), sv.preset) != a.presets.end()) continue;
        std::string list;
        for (auto p : a.presets) list += (list.empty() ? "" : ", ") + std::string(p);
        s->error(a.key, "applies only to preset " + list + " (this node's preset is " + sv.preset + ")");
    }
    const bool systemd = sv.preset == "systemd";
    const bool compose = sv.preset == "docker-compose";
    const bool process = sv.preset == "pm2" || sv.preset == "supervisord";
    const bool custom = sv.preset == "custom";
    if (systemd) s->string("unit", sv.unit, {.check = check_safe_name, .required = true});
    if (compose) {
        s->string("project_dir", sv.project_dir, {.check = check_remote_path, .expand = Expand::Yes, .required = true});
        sv.compose_service = "app";
        s->string("compose_service", sv.compose_service, {.check = check_safe_name});
        s->string("image_var", sv.image_var, {.check = check_env_name, .required = true});
        s->argv("compose_command", sv.compose_command, {});
    }
    if (process) s->string("process", sv.process, {.check = check_safe_name, .required = true});
    if (sv.preset == "supervisord")
        s->string("supervisor_config", sv.supervisor_config, {.check = check_remote_path, .expand = Expand::Yes});
    if (systemd || process || custom)
        s->string("app_dir", sv.app_dir, {.check = check_remote_path, .expand = Expand::Yes});
    s->string("storage_dir", sv.storage_dir, {.check = check_remote_path, .expand = Expand::Yes});
    if (auto e = s->open_map("env"))
        sv.env = e->string_map(check_env_name, {.check = check_env_value, .expand = Expand::Yes, .allow_empty = true});
    const std::vector<std::string_view> ph = {"version", "node"};
    s->argv("start", sv.start, ph, custom);
    s->argv("stop", sv.stop, ph, custom);
    s->argv("status", sv.status, ph, custom);
    s->argv("upgrade", sv.upgrade, ph);
    s->argv("version", sv.version, ph);
    s->argv("logs", sv.logs, {"node"});
}

void parse_ssh(const MapView& node, Node& n) {
    auto s = node.map("ssh", with({"host", "port", "user"}, kSshConnection), true);
    if (s) {
        SshTarget& t = n.ssh.target;
        s->string("host", t.host, {.check = check_host, .expand = Expand::Yes, .required = true});
        s->integer("port", t.port, 1, 65535);
        s->string("user", t.user, {.check = check_user, .expand = Expand::Yes});
        parse_ssh_connection(*s, t);
    }
    parse_service(node, n);
}

void parse_labels(const MapView& node, Node& n) {
    if (auto l = node.open_map("labels")) n.labels = l->string_map(check_safe_name, {.allow_empty = true});
}

void parse_node(const YAML::Node& v, const YAML::Mark& at, const std::string& path, Sink& sink, Inventory& inv,
                NodeIndex& index) {
    MapView m(v, at, path, sink, {"name", "url", "driver", "tls", "labels", "docker", "ssh", "service"});
    if (!m.valid()) return;
    Node n;
    if (m.string("name", n.name, {.check = check_safe_name, .required = true})) {
        if (auto it = index.by_name.find(n.name); it != index.by_name.end()) {
            m.error("name", "duplicate node name `" + n.name + "` (first at line " +
                                std::to_string(it->second.mark.line + 1) + ")");
        }
    }
    m.string("url", n.url, {.check = check_http_url, .expand = Expand::Yes, .required = true});
    std::string driver;
    m.choice("driver", driver, {"docker", "ssh"}, true);
    n.driver = driver == "ssh" ? DriverKind::Ssh : DriverKind::Docker;
    parse_tls_options(m, n.tls, false);
    parse_labels(m, n);
    if (driver == "docker") {
        parse_docker(m, n);
        for (auto k : {"ssh", "service"})
            if (m.has(k)) m.error(k, "given, but this node's driver is docker (use `docker:` settings)");
    } else if (driver == "ssh") {
        parse_ssh(m, n);
        if (m.has("docker")) m.error("docker", "given, but this node's driver is ssh (use `ssh:` and `service:`)");
    }
    // An invalid name is still indexed, so references to it do not add a second error.
    const YAML::Node raw = m.value("name");
    const std::string indexed = raw.IsScalar() ? raw.Scalar() : std::string();
    if (!indexed.empty() && !index.by_name.contains(indexed)) {
        index.by_name.emplace(indexed, NodeIndex::Entry{m.value_mark("name"), driver});
        index.order.push_back(indexed);
    }
    inv.nodes.push_back(std::move(n));
}

}  // namespace

void parse_nodes(const MapView& root, Inventory& inv, NodeIndex& index) {
    if (!root.has("nodes")) {
        root.missing("nodes");
        return;
    }
    const YAML::Node v = root.value("nodes");
    const YAML::Mark at = root.value_mark("nodes");
    if (!v.IsSequence()) {
        root.error("nodes", "expected a list of nodes, got " + describe(v));
        return;
    }
    if (v.size() == 0) {
        root.error("nodes", "must list at least one node");
        return;
    }
    std::size_t i = 0;
    for (const auto& item : v) {
        parse_node(item, item.IsNull() ? at : item.Mark(), "nodes[" + std::to_string(i++) + "]", root.sink(), inv,
                   index);
    }
}

}  // namespace ncbctl::inv
