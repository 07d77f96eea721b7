// Sections without node references of their own: api, timeouts, hooks, lock (local, node, redis).
#include <algorithm>

#include "inventory/schema.hpp"

namespace ncbctl::inv {

namespace {

void parse_tls(const MapView& parent, TlsOptions& tls, bool client_cert) {
    std::vector<std::string_view> known = {"verify", "ca_file"};
    if (client_cert) known.insert(known.end(), {"cert_file", "key_file"});
    auto m = parent.map("tls", known);
    if (!m) return;
    m->boolean("verify", tls.verify);
    m->local_file("ca_file", tls.ca_file);
    if (!client_cert) return;
    m->local_file("cert_file", tls.cert_file);
    m->local_file("key_file", tls.key_file);
    if (m->has("cert_file") != m->has("key_file")) m->missing(m->has("cert_file") ? "key_file" : "cert_file");
}

}  // namespace

void parse_tls_options(const MapView& parent, TlsOptions& tls, bool client_cert) {
    parse_tls(parent, tls, client_cert);
}

void parse_api(const MapView& root, Inventory& inv) {
    auto api = root.map(
        "api",
        {"lb_url", "token_env", "token_file", "account", "password_env", "password_file", "authenticator", "tls"},
        true);
    if (!api) return;
    api->string("lb_url", inv.lb_url, {.check = check_http_url, .expand = Expand::Yes, .required = true});
    // An inline `token:`/`password:` was already reported; it still counts as "given" here.
    const bool token = api->has("token_env") || api->has("token_file") || api->has("token");
    const bool account = api->has("account");
    const bool password = api->has("password_env") || api->has("password_file") || api->has("password");
    api->secret("token", inv.auth.token);
    api->string("account", inv.auth.account, {.expand = Expand::Yes});
    api->secret("password", inv.auth.password);
    api->string("authenticator", inv.auth.authenticator, {.check = check_safe_name});
    if (token && (account || password)) {
        api->error(account ? "account" : (api->has("password_env") ? "password_env" : "password_file"),
                   "give either a token (`token_env`/`token_file`) or `account` with a password, not both");
    } else if (account && !password) {
        api->missing("password_env` or `password_file");
    } else if (password && !account) {
        api->missing("account");
    } else if (!token && !account) {
        api->missing("token_env` or `token_file");
    }
    parse_tls(*api, inv.api_tls, false);
}

void parse_timeouts(const MapView& root, Inventory& inv) {
    auto t = root.map("timeouts", {"stop", "start", "ready", "backup", "upgrade", "command", "connect", "drain"});
    if (!t) return;
    t->duration("stop", inv.timeouts.stop);
    t->duration("start", inv.timeouts.start);
    t->duration("ready", inv.timeouts.ready);
    t->duration("backup", inv.timeouts.backup);
    t->duration("upgrade", inv.timeouts.upgrade);
    t->duration("command", inv.timeouts.command);
    t->duration("connect", inv.timeouts.connect);
    if (t->duration("drain", inv.timeouts.drain, true)) {
        if (inv.timeouts.drain >= inv.timeouts.stop)
            t->error("drain", "must be shorter than timeouts.stop (" + std::to_string(inv.timeouts.stop.count()) +
                                  "s): each node's stop step drains first, then stops, within that time");
    } else if (!t->has("drain")) {
        // The default drain must leave the stop step time to stop: at most half of a short `stop`.
        inv.timeouts.drain = std::min(inv.timeouts.drain, inv.timeouts.stop / 2);
    }
}

void parse_hooks(const MapView& root, Inventory& inv) {
    auto h = root.map("hooks", kHookEvents);
    if (!h) return;
    for (auto event : kHookEvents) {
        if (!h->has(event)) continue;
        const YAML::Node v = h->value(event);
        const YAML::Mark at = h->value_mark(event);
        const std::string path = h->child(event);
        std::vector<Argv> commands;
        if (v.IsScalar()) {
            if (auto a = read_argv(v, at, path, h->sink(), {"cluster", "version"})) commands.push_back(std::move(*a));
        } else if (v.IsSequence() && v.size() > 0) {
            std::size_t i = 0;
            for (const auto& item : v) {
                const std::string p = path + "[" + std::to_string(i++) + "]";
                // `pre_upgrade: [curl, -fsS, URL]` is a list of three commands, not one: catch the slip.
                if (item.IsScalar() && item.Scalar().starts_with('-')) {
                    h->sink().error(item.Mark(), p + ": " + shown(item.Scalar()) +
                                                     " looks like an argument, not a command; write each command "
                                                     "as one list item, e.g. - [curl, -fsS, URL]");
                    continue;
                }
                if (auto a = read_argv(item, item.IsNull() ? at : item.Mark(), p, h->sink(), {"cluster", "version"}))
                    commands.push_back(std::move(*a));
            }
        } else {
            h->error(event, "expected a list of commands (each a string or a list of arguments), got " +
                                (v.IsSequence() ? std::string("an empty list") : describe(v)));
        }
        if (!commands.empty()) inv.hooks.commands[std::string(event)] = std::move(commands);
    }
}

void parse_lock(const MapView& root, Inventory& inv, RefMarks& marks) {
    auto l = root.map("lock", {"backend", "node", "dir", "stale_after", "redis"});
    if (!l) return;
    l->choice("backend", inv.lock.backend, {"local", "node", "redis"});
    if (l->string("node", inv.lock.node, {.check = check_safe_name})) marks.lock_node = l->value_mark("node");
    l->string("dir", inv.lock.dir, {.check = check_remote_path, .expand = Expand::Yes});
    l->duration("stale_after", inv.lock.stale_after);
    if (inv.lock.backend != "node" && l->has("node"))
        l->error("node", "applies only to `backend: node` (the lock lives on that node)");
    if (inv.lock.backend != "redis") {
        if (l->has("redis")) l->error("redis", "applies only to `backend: redis`");
        return;
    }
    auto r = l->map("redis", {"url", "password_env", "password_file", "key", "tls"}, true);
    if (!r) return;
    RedisLockSpec& spec = inv.lock.redis;
    const auto url_problem = [](std::string_view v) -> Problem {
        auto u = parse_redis_url(v);
        return u ? Problem{} : Problem{u.error()};
    };
    if (r->string("url", spec.url, {.check = url_problem, .expand = Expand::Yes, .required = true})) {
        auto u = parse_redis_url(spec.url);
        spec.host = u->host;
        spec.port = u->port;
        spec.db = u->db;
        spec.user = u->user;
        spec.tls = u->tls;
    }
    if (r->has("tls") && !spec.tls) r->error("tls", "applies only to a rediss:// url");
    parse_tls(*r, spec.tls_options, true);
    r->secret("password", spec.password);
    r->string("key", spec.key, {.check = check_redis_key, .expand = Expand::Yes});
}

}  // namespace ncbctl::inv
