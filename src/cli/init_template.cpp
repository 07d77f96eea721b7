#include "cli/init_template.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "inventory/values.hpp"

namespace ncbctl::cli {
namespace {

constexpr int kNodes = 2;

bool one_of(const std::string& v, const std::vector<std::string>& allowed) {
    return std::ranges::find(allowed, v) != allowed.end();
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : "|") + s;
    return out;
}

std::string node_name(int i) {
    return "app" + std::to_string(i);
}

std::string docker_node(int i) {
    return fmt::format(R"(  - name: {0}
    url: http://CHANGE-ME-{0}:13000      # the node's own API, bypassing the load balancer
    driver: docker
    docker:
      # Docker on this machine; or tcp://HOST:2376 (with tls: ca_file, cert_file, key_file), or ssh://USER@HOST
      endpoint: unix:///var/run/docker.sock
      container: nocobase-{0}          # the NocoBase container ncbctl stops, replaces and starts
      image: nocobase/nocobase         # repository only: the version comes from `ncbctl upgrade --to`
)",
                       node_name(i));
}

std::string service_block(const std::string& preset) {
    if (preset == "systemd")
        return R"(      preset: systemd
      unit: nocobase.service           # the systemd unit running NocoBase
      app_dir: /opt/nocobase           # NocoBase's directory (the deployed version is read from its package.json)
)";
    if (preset == "docker-compose")
        return R"(      preset: docker-compose
      project_dir: /srv/nocobase       # the directory holding docker-compose.yml and .env
      compose_service: app             # the NocoBase service in docker-compose.yml
      image_var: NOCOBASE_VERSION      # the variable in .env holding the image tag ncbctl sets
)";
    if (preset == "pm2")
        return R"(      preset: pm2
      process: nocobase                # the pm2 process name
      app_dir: /opt/nocobase           # NocoBase's directory (the deployed version is read from its package.json)
)";
    if (preset == "supervisord")
        return R"(      preset: supervisord
      process: nocobase                # the supervisord program name
      app_dir: /opt/nocobase           # NocoBase's directory (the deployed version is read from its package.json)
)";
    return R"(      preset: custom
      # Your own commands, run over SSH as argument lists (never through a shell); {{version}} and {{node}}
      # are replaced. status must exit 0 while NocoBase runs and non-zero when it is stopped.
      start: [/usr/local/bin/CHANGE-ME-nocobase-ctl, start]
      stop: [/usr/local/bin/CHANGE-ME-nocobase-ctl, stop]
      status: [/usr/local/bin/CHANGE-ME-nocobase-ctl, status]
      upgrade: [/usr/local/bin/CHANGE-ME-nocobase-ctl, deploy, "{{version}}"]
      app_dir: /opt/nocobase           # NocoBase's directory (the deployed version is read from its package.json)
)";
}

std::string ssh_node(int i, const std::string& preset) {
    return fmt::format(R"(  - name: {0}
    url: http://CHANGE-ME-{0}:13000      # the node's own API, bypassing the load balancer
    driver: ssh
    ssh:
      host: CHANGE-ME-{0}                # reached with the system ssh client (your ~/.ssh/config applies)
      user: deploy
      host_key_checking: strict        # or accept-new; never off
    service:
{1})",
                       node_name(i), service_block(preset));
}

std::string node_map(const std::string& value_fmt) {
    std::string out;
    for (int i = 1; i <= kNodes; ++i)
        out += fmt::format("      {}: {}\n", node_name(i), fmt::format(fmt::runtime(value_fmt), node_name(i)));
    return out;
}

std::string traffic_block(const std::string& lb) {
    if (lb == "haproxy")
        return R"(traffic:                           # the load balancer: live, 503 maintenance page, one node pinned
  driver: haproxy                  # switched through HAProxy's runtime API (stats socket with level admin)
  retry_after: 300                 # Retry-After seconds of the 503 page during the window
  haproxy:
    socket: /run/haproxy/admin.sock
    backend: nocobase              # the backend holding the NocoBase servers
    servers:                       # every node exactly: node name -> server name in that backend
)" + node_map("{}");
    if (lb == "nginx")
        return R"(traffic:                           # the load balancer: live, 503 maintenance page, one node pinned
  driver: nginx                    # ncbctl owns one include file, swaps it atomically, runs nginx -t and reloads
  retry_after: 300                 # Retry-After seconds of the 503 page during the window
  nginx:
    include_file: /etc/nginx/ncbctl/nocobase.conf   # include it inside your server block
    upstream: nocobase
    reload_command: [systemctl, reload, nginx]
    upstreams:                     # every node exactly: node name -> host:port nginx proxies to
)" + node_map("\"CHANGE-ME-{}:13000\"");
    if (lb == "command")
        return R"(traffic:                           # the load balancer: live, 503 maintenance page, one node pinned
  driver: command                  # your own scripts switch the load balancer (argument lists, no shell)
  retry_after: 300
  command:
    maintenance: [/usr/local/bin/CHANGE-ME-lb-switch, maintenance]   # serve 503 + Retry-After to everyone
    live: [/usr/local/bin/CHANGE-ME-lb-switch, live]                 # every node serves again
    pin: [/usr/local/bin/CHANGE-ME-lb-switch, pin, "{{node}}"]       # only this node serves (the canary)
    status: [/usr/local/bin/CHANGE-ME-lb-switch, status]
)";
    return R"(traffic:                           # the load balancer
  # ncbctl does not touch the load balancer: users reach stopped nodes during the window. Prefer haproxy,
  # nginx or command (`ncbctl init --lb ...`) so they get a 503 page with Retry-After instead.
  driver: none
)";
}

}  // namespace

Result<std::string> starter_inventory(const InitOptions& o) {
    if (!one_of(o.driver, kInitDrivers))
        return fail(ErrorCode::Usage, "init: --driver " + o.driver + " is unknown; use " + joined(kInitDrivers));
    if (auto bad = inv::check_safe_name(o.cluster))
        return fail(ErrorCode::Usage, "init: --cluster '" + o.cluster + "' " + *bad + ", e.g. --cluster shop-prod");
    if (!one_of(o.lb, kInitLbs))
        return fail(ErrorCode::Usage, "init: --lb " + o.lb + " is unknown; use " + joined(kInitLbs));
    const std::string preset = o.preset.empty() && o.driver == "ssh" ? "systemd" : o.preset;
    if (o.driver == "docker" && !preset.empty())
        return fail(ErrorCode::Usage, "init: --preset applies to --driver ssh only (a docker node runs its container)");
    if (o.driver == "ssh" && !one_of(preset, kInitPresets))
        return fail(ErrorCode::Usage, "init: --preset " + preset + " is unknown; use " + joined(kInitPresets));

    std::string flags = "--driver " + o.driver + (preset.empty() ? "" : " --preset " + preset) + " --lb " + o.lb;
    std::string out = fmt::format(R"(# ncbctl inventory for the NocoBase cluster "{0}" (`ncbctl init {1}`).
#
# Replace every CHANGE-ME value; `ncbctl validate` names each one left, with its line, and checks the rest
# (`ncbctl validate --connect` then reaches every node, the load balancer and the database).
# Secrets are never written here: only the environment variable (*_env) or the file (*_file) holding them.
# Every key is described in docs/inventory.md and in `man ncbctl` (FILES); ncbctl finds this file by -i FILE,
# else $NCBCTL_INVENTORY, else ./ncbctl.yaml.

cluster: {0}    # names the state directory: $XDG_STATE_HOME/ncbctl/{0}

api:                               # how ncbctl reaches NocoBase's API through the load balancer
  lb_url: https://CHANGE-ME.example.com     # the load-balanced URL users open
  token_env: NCB_TOKEN             # an API key token (Settings > API keys), exported before each run
  # Or sign in as an admin instead of the token: account: admin@example.com, with password_env or password_file.

nodes:                             # every NocoBase app node, each reached directly by its url
)",
                                  o.cluster, flags);
    for (int i = 1; i <= kNodes; ++i) out += o.driver == "docker" ? docker_node(i) : ssh_node(i, preset);
    out += R"(
canary: app1                       # upgraded and verified alone first, while the others wait

)";
    out += traffic_block(o.lb);
    out += R"(
database:                          # dumped (pg_dump -Fc) while every node is stopped, before the upgrade
  dialect: postgres                # or mysql, mariadb
  host: CHANGE-ME-db
  name: nocobase
  user: nocobase
  password_env: NCB_DB_PASSWORD    # or password_file: /etc/ncbctl/db-password (mode 0600)
  run_on: local                    # where pg_dump runs: local, node:NAME or container:NAME

backup:                            # taken and verified before anything irreversible
  method: database                 # or api: NocoBase's Backup manager (then no database section is needed)
  destination: /var/backups/ncbctl/)" +
           o.cluster + R"(
  retention:
    keep_daily: 7
    keep_weekly: 4

checks:                            # after the canary starts, before the other nodes follow
  - name: health
    http:
      path: /api/__health_check

timeouts:                          # the others keep their defaults (docs/inventory.md)
  stop: 1m
  ready: 15m                       # how long a node may take to be ready after a start (migrations run here)

# lock: the cluster lock is a file in the state directory on this machine (backend: local). When several
# operators or CI run ncbctl from different machines, keep it on a node: backend: node, node: app1.
)";
    return out;
}

std::vector<Placeholder> find_placeholders(std::string_view text) {
    std::vector<Placeholder> out;
    int line_no = 0;
    std::string parents[16];  // the key at each indentation level seen so far, for a dotted name
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t end = std::min(text.find('\n', pos), text.size());
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        // Drop the comment: a '#' outside quotes, at the start or after a blank.
        char quote = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const char c = line[i];
            if (quote != 0) {
                if (c == quote) quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
                line = line.substr(0, i);
                break;
            }
        }
        const std::size_t indent = line.find_first_not_of(' ');
        if (indent == std::string_view::npos) continue;
        std::string_view body = line.substr(indent);
        std::size_t level = indent / 2;
        const bool item = body.starts_with("- ");
        if (item) {
            body.remove_prefix(2);
            ++level;
        }
        const std::size_t colon = body.find(": ");
        const std::string key(colon != std::string_view::npos
                                  ? body.substr(0, colon)
                                  : (body.ends_with(':') ? body.substr(0, body.size() - 1) : std::string_view{}));
        if (level >= std::size(parents)) continue;
        if (item) {  // a list item is named by its `name:` ("nodes.app1.url"), else by "[]"
            std::string_view v = colon != std::string_view::npos ? body.substr(colon + 2) : std::string_view{};
            while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
            parents[level - 1] = key == "name" && !v.empty() ? std::string(v) : "[]";
        }
        if (!key.empty()) {
            parents[level] = key;
            for (std::size_t l = level + 1; l < std::size(parents); ++l) parents[l].clear();
        }
        if (body.find(kPlaceholder) == std::string_view::npos) continue;
        std::string dotted;
        for (std::size_t l = 0; l <= level && l < std::size(parents); ++l)
            if (!parents[l].empty()) dotted += (dotted.empty() ? "" : ".") + parents[l];
        out.push_back({line_no, dotted});
    }
    return out;
}

}  // namespace ncbctl::cli
