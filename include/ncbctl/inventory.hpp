#pragma once
// The inventory: what ncbctl knows about one cluster. Plain data, filled and validated by
// load_inventory() (src/inventory/), read by every other part. No secret is ever stored here: only
// references (env var names, file paths) that are resolved at the moment of use.
// The YAML keys behind each field, their defaults and rules: docs/inventory.md. After a successful
// load every name is safe ([A-Za-z0-9][A-Za-z0-9_.@-]*), every node reference names a node, remote
// paths are absolute and shell-safe, relative local paths are absolute (resolved against the
// inventory's directory), and commands are argv vectors whose only {{placeholders}} are the
// documented ones.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ncbctl/error.hpp"

namespace ncbctl {

using Seconds = std::chrono::seconds;
using Argv = std::vector<std::string>;

// A secret given by reference. Exactly one of env/file is set (validated).
struct SecretRef {
    std::string env;   // name of an environment variable
    std::string file;  // path of a file whose content (trimmed) is the secret
    [[nodiscard]] bool empty() const { return env.empty() && file.empty(); }
    [[nodiscard]] std::string describe() const;  // "env NCB_TOKEN" / "file /x" (never the value)
};

// Credentials for the NocoBase HTTP API: an API key token, or an account whose password is a reference.
struct ApiAuth {
    SecretRef token;      // token_env / token_file
    std::string account;  // account + password_env/password_file => auth:signIn
    SecretRef password;
    std::string authenticator = "basic";
};

struct TlsOptions {
    bool verify = true;  // false must be explicit and is warned about
    std::string ca_file;
    std::string cert_file;  // client certificate (docker tcp:// with TLS)
    std::string key_file;
};

struct SshTarget {
    std::string host;
    int port = 22;
    std::string user;
    std::string identity_file;
    std::string jump_host;                     // ProxyJump value: [user@]host[:port]
    std::string host_key_checking = "strict";  // strict | accept-new
    std::string known_hosts_file;              // optional UserKnownHostsFile
    std::vector<std::string> options;          // extra -o key=value, validated
    std::string config_file;                   // ssh -F FILE; empty => the operator's ~/.ssh/config
};

struct DockerNode {
    std::string endpoint;                              // unix:///path | tcp://host:port | ssh://user@host[:port]
    TlsOptions tls;                                    // for tcp://
    SshTarget ssh;                                     // filled from an ssh:// endpoint (plus optional overrides)
    std::string socket_path = "/var/run/docker.sock";  // remote socket for ssh://
    std::string container;                             // container name
    std::string image;                                 // repository without tag, e.g. nocobase/nocobase
    SecretRef registry_auth;                           // base64 X-Registry-Auth JSON or user:password, by reference
    Seconds stop_timeout{30};
    std::string previous_suffix = "-ncbctl-prev";
    // NocoBase storage directory inside the container (e.g. /app/storage). When set, upgrade drops an empty
    // `.upgrading` there (PUT archive) into the recreated container, for images whose entrypoint does not
    // upgrade by itself on start (the official image does; a plain `start` entrypoint needs the marker).
    std::string upgrade_marker_dir;
};

// How an SSH node's NocoBase service is started/stopped/upgraded. A preset fills the commands.
struct ServiceSpec {
    std::string preset;       // systemd | docker-compose | pm2 | supervisord | custom
    std::string unit;         // systemd unit
    std::string project_dir;  // docker-compose
    std::string compose_service;
    std::string image_var;  // docker-compose: env var in .env holding the tag
    // docker-compose: the compose CLI, as argv. Default the `docker compose` plugin; Debian 12's
    // docker-compose 1.29 is [docker-compose]. The preset's commands work with both.
    Argv compose_command{"docker", "compose"};
    std::string process;  // pm2 / supervisord program name
    std::string app_dir;  // NocoBase app directory (version probe, upgrade)
    // NocoBase's storage directory (STORAGE_PATH) on the host; empty => <app_dir>/storage. Where
    // mark_upgrade drops `.upgrading` so the next start runs NocoBase's upgrade (plugin migrations).
    std::string storage_dir;
    // Where NocoBase's storage is on the host: storage_dir, else <app_dir>/storage, else empty (unknown).
    [[nodiscard]] std::string storage_path() const {
        return !storage_dir.empty() ? storage_dir : !app_dir.empty() ? app_dir + "/storage" : std::string();
    }
    // custom (and overrides for presets): argv vectors run on the node, quoted once with shell_quote;
    // {{version}} and {{node}} are substituted per argument (validated: no other placeholder appears).
    // Empty => the preset's command.
    Argv start, stop, status, upgrade, version;
    Argv logs;                      // prints the service's recent log lines (ncbctl keeps the last ones it asked for)
    std::string supervisor_config;  // supervisorctl -c FILE (empty => its default search)
    std::map<std::string, std::string> env;  // set for every service command (remote `env K=V argv`)
};

struct SshNode {
    SshTarget target;
    ServiceSpec service;
};

enum class DriverKind { Docker, Ssh };

struct Node {
    std::string name;
    std::string url;  // direct API base URL of this node, e.g. http://10.0.0.11:13000
    DriverKind driver = DriverKind::Docker;
    DockerNode docker;
    SshNode ssh;
    TlsOptions tls;  // for the node's API URL
    std::map<std::string, std::string> labels;
};

struct BypassSpec {
    std::string header;           // e.g. X-Ncbctl-Bypass
    SecretRef secret;             // header value by reference
    std::string source;           // optional source address / CIDR
    std::string haproxy_backend;  // haproxy: backend the bypass ACL routes to (default: <backend>_bypass)
};

struct TrafficSpec {
    std::string driver = "none";  // haproxy | nginx | command | none
    std::string via_node;         // run on this node over SSH instead of locally
    // haproxy
    std::string socket;  // admin socket path
    std::string backend;
    std::map<std::string, std::string> servers;  // node name -> haproxy server name
    // nginx
    std::string include_file;  // file ncbctl owns and switches atomically
    std::string upstream = "ncbctl_nocobase";
    Argv test_command;                             // default: nginx -t
    Argv reload_command;                           // default: nginx -s reload
    std::map<std::string, std::string> upstreams;  // node name -> host:port for nginx
    std::string maintenance_listen;                // nginx 503 responder (default: unix:<include_file>.sock)
    // command
    Argv cmd_maintenance, cmd_live, cmd_pin, cmd_status;  // cmd_pin gets {{node}}
    Argv cmd_serve;                                       // optional; {{nodes}}: "app1,app3"
    // all
    int retry_after = 120;
    std::string maintenance_page;  // path to an HTML file; a default is generated
    std::optional<BypassSpec> bypass;
};

struct DatabaseSpec {
    std::string dialect = "postgres";  // postgres | mysql | mariadb
    std::string host = "127.0.0.1";
    int port = 5432;
    std::string name;
    std::string user;
    SecretRef password;
    std::string run_on = "local";  // local | node:NAME | container:NAME (where pg_dump runs)
    std::string dump_command;      // override, e.g. /usr/lib/postgresql/15/bin/pg_dump
    std::string restore_command;
    // PostgreSQL only (docs/inventory.md; defaults measured, docs/performance.md):
    std::string dump_format = "custom";  // custom (pg_dump -Fc, one file) | directory (pg_dump -Fd -j, local run_on)
    int jobs = 2;                        // pg_dump -j (directory) and pg_restore -j (a dump read by name)
    int dump_compress = 1;               // pg_dump -Z 0-9 (0: none)
};

struct Retention {
    int keep_last = 0;
    int keep_daily = 0;
    int keep_weekly = 0;
};

struct BackupSpec {
    std::string method = "database";  // database | api
    std::string destination;          // local directory for backup files
    std::string storage_path;         // shared storage/ to archive too (optional)
    // The upgrade's backup inside the 503 window: `dump` (pg_dump/mysqldump, proven readable, before the
    // upgrade) or `clone` (PostgreSQL only: CREATE DATABASE ... TEMPLATE on the server, seconds; the durable
    // dump is then taken from the copy after traffic is live, and a rollback swaps the copy back by renaming).
    std::string in_window = "dump";  // dump | clone
    // How `clone` copies: file_copy (the files at the OS level, one WAL record, a checkpoint before and after;
    // faster inside the window, measured) or wal_log (through shared buffers into the WAL; no checkpoint).
    // See docs/backup.md for the measurements.
    std::string clone_strategy = "file_copy";  // file_copy | wal_log
    Retention retention;
    std::vector<std::string> ping_start, ping_success, ping_failure;  // URLs (healthchecks-style)
};

struct HttpCheck {
    std::string path;  // relative to a node's URL (or the LB URL when through_lb)
    int status = 200;
    std::string json_pointer;  // optional
    std::string equals;        // optional expected value (string compare of the JSON value)
    bool through_lb = false;
};

struct CommandCheck {
    std::string node;  // empty => every node
    Argv argv;
};

struct Check {
    std::string name;
    std::optional<HttpCheck> http;
    std::vector<std::string> plugins_enabled;
    std::optional<CommandCheck> command;
};

struct Timeouts {
    Seconds stop{60};
    Seconds start{120};
    Seconds ready{600};
    Seconds backup{3600};
    Seconds upgrade{600};
    Seconds command{300};
    Seconds connect{10};
    // Before a node that left the LB stops: how long its open connections may finish (0: no wait).
    Seconds drain{10};
};

struct Hooks {
    // Local commands (argv) run at workflow points; non-zero exit fails the step.
    std::map<std::string, std::vector<Argv>> commands;  // event name -> commands
};

// lock.redis: the shared lock in the Redis NocoBase's cluster mode already runs. The URL is parsed at load
// (redis[s]://[user@]host[:port][/db]); the password is a reference, resolved when the lock is taken.
struct RedisLockSpec {
    std::string url;         // as written (never holds a password: refused at load)
    bool tls = false;        // rediss://
    TlsOptions tls_options;  // lock.redis.tls (rediss:// only): verify, ca_file, cert_file + key_file
    std::string host;        // IPv6 without brackets
    int port = 6379;
    int db = 0;
    std::string user;  // ACL user (AUTH user password); empty: AUTH password
    SecretRef password;
    std::string key;  // default ncbctl:lock:<cluster>
};

struct LockSpec {
    std::string backend = "local";  // local | node | redis
    std::string node;               // for backend node (default: the first node)
    std::string dir = "/var/lib/ncbctl/lock";
    Seconds stale_after{120};
    RedisLockSpec redis;  // for backend redis
};

struct Inventory {
    std::string source_path;  // file it was loaded from
    std::string cluster;
    std::string lb_url;  // the load-balanced URL
    TlsOptions api_tls;
    ApiAuth auth;
    std::vector<Node> nodes;
    std::string canary;  // defaults to the first node
    TrafficSpec traffic;
    DatabaseSpec database;
    BackupSpec backup;
    std::vector<Check> checks;
    Timeouts timeouts;
    Hooks hooks;
    LockSpec lock;
    std::string content_hash;  // hex SHA-256 of the file's bytes: journals and plan fingerprints

    [[nodiscard]] const Node* find_node(std::string_view name) const;
    [[nodiscard]] const Node& canary_node() const;  // validated to exist
};

// One diagnostic of the loader: FILE:LINE:COL: message. Line/column are 1-based; 0 when unknown.
struct Diagnostic {
    std::string file;
    int line = 0;
    int column = 0;
    std::string message;
    [[nodiscard]] std::string to_string() const;
};

// Loads and validates; returns every problem found (not just the first) when the inventory is invalid.
std::expected<Inventory, std::vector<Diagnostic>> load_inventory(const std::string& path);
std::expected<Inventory, std::vector<Diagnostic>> parse_inventory(const std::string& yaml_text,
                                                                  const std::string& file_name);

// Reads a secret by reference at the moment of use. Never logs the value.
Result<std::string> resolve_secret(const SecretRef& ref);

}  // namespace ncbctl
