#include "nocobase/client.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ncbctl/cancel.hpp"
#include "nocobase/readiness.hpp"
#include "nocobase/zip_reader.hpp"
#include "util/atomic_file.hpp"
#include "util/block_pipe.hpp"
#include "util/fd.hpp"
#include "util/redact.hpp"
#include "util/sha256.hpp"

namespace ncbctl::nocobase {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMigrationPackage = "@nocobase/plugin-migration-manager";

std::string str_at(const json& j, std::string_view key) {
    if (!j.is_object()) return {};
    auto it = j.find(key);
    if (it == j.end()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number()) return it->dump();
    return {};
}
bool bool_at(const json& j, std::string_view key) {
    if (!j.is_object()) return false;
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::string first_error_code(const json& j) {
    if (!j.is_object()) return {};
    auto es = j.find("errors");
    if (es == j.end() || !es->is_array() || es->empty()) return {};
    return str_at(es->front(), "code");
}

std::string auth_hint(const std::string& code, const std::string& source) {
    if (code == "EMPTY_TOKEN")
        return "no credentials were sent: set auth.token_env/token_file or auth.account + password";
    if (code == "INVALID_TOKEN")
        return "the token from " + source +
               " is not valid for this cluster (wrong token, or the APP_KEY / jwt secret "
               "changed): create a new API key";
    if (code == "EXPIRED_SESSION")
        return "the session from " + source + " has expired: sign in again or use an API key";
    if (code == "BLOCKED_TOKEN")
        return "the token from " + source + " was revoked (signed out or API key deleted): create a new API key";
    return "check the credentials from " + source;
}

Status sleep_for(Duration d, const Deadline& deadline) {
    const auto until = std::min(Clock::now() + d, deadline.at());
    while (Clock::now() < until) {
        if (stop_requested()) return fail(ErrorCode::Cancelled, "interrupted while waiting");
        std::this_thread::sleep_for(
            std::min<Duration>(Duration(50), std::chrono::duration_cast<Duration>(until - Clock::now())));
    }
    return {};
}

bool same_plugin(const PluginInfo& p, const std::string& name) {
    return p.name == name || p.package_name == name;
}

std::string describe(const AppStatus& s) {
    std::string out(to_string(s.phase));
    if (!s.code.empty()) out += " (" + s.code + (s.command.empty() ? "" : " " + s.command) + ")";
    if (!s.message.empty()) out += ": " + s.message;
    if (s.phase == AppPhase::Ready && !s.version.empty()) out += " at " + s.version;
    return out;
}

}  // namespace

struct NocoBaseClient::Impl {
    ClientOptions opt;
    net::HttpClient http;
    std::string token;  // never logged
    bool token_from_account = false;
    bool resolved = false;

    std::string url(const std::string& action, const std::string& query) const {
        std::string base = opt.base_url;
        while (!base.empty() && base.back() == '/') base.pop_back();
        return base + opt.api_prefix + action + (query.empty() ? "" : "?" + query);
    }

    std::string source() const {
        if (!opt.auth.token.empty()) return opt.auth.token.describe();
        if (!opt.auth.account.empty()) return "account " + opt.auth.account;
        return "no credentials";
    }

    net::HttpRequest base_request(const std::string& method, const std::string& action, const std::string& query) {
        net::HttpRequest r;
        r.method = method;
        r.url = url(action, query);
        r.tls = opt.tls;
        r.connect_timeout = opt.connect_timeout;
        r.headers.emplace_back("Accept", "application/json");
        if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
        return r;
    }

    Result<net::HttpResponse> send(const net::HttpRequest& r, const Deadline& d) {
        auto resp = http.perform(r, d);
        if (!resp) return fail(resp.error().with_context(opt.node + ": "));
        // Sign-in sessions are renewed by the server; the old token's jti is consumed.
        if (auto nt = resp->header("x-new-token"); !nt.empty()) token = nt;
        return resp;
    }

    Status sign_in(const Deadline& d) {
        auto password = resolve_secret(opt.auth.password);
        if (!password) return fail(password.error().with_context(opt.node + ": "));
        net::HttpRequest r;
        r.method = "POST";
        r.url = url("auth:signIn", "");
        r.tls = opt.tls;
        r.connect_timeout = opt.connect_timeout;
        // No Origin/Referer: the server rejects untrusted ones with 403 "Invalid sign-in origin".
        r.headers = {{"Content-Type", "application/json"},
                     {"Accept", "application/json"},
                     {"X-Authenticator", opt.auth.authenticator.empty() ? "basic" : opt.auth.authenticator}};
        r.body = json{{"account", opt.auth.account}, {"password", *password}}.dump();
        auto resp = http.perform(r, d.capped(opt.request_timeout));
        if (!resp) return fail(resp.error().with_context(opt.node + ": "));
        const json j = json::parse(resp->body, nullptr, false);
        if (resp->status == 401 || resp->status == 403)
            return fail(ErrorCode::Auth,
                        opt.node + ": sign-in as " + opt.auth.account + " refused: " + app_error_text(resp->body));
        if (resp->status != 200 || !j.is_object() || !j.contains("data"))
            return fail(ErrorCode::Protocol, opt.node + ": auth:signIn answered HTTP " + std::to_string(resp->status) +
                                                 ": " + app_error_text(resp->body));
        token = str_at(j["data"], "token");
        if (token.empty()) return fail(ErrorCode::Protocol, opt.node + ": auth:signIn answered without a token");
        token_from_account = true;
        return {};
    }

    Status ensure_auth(const Deadline& d) {
        if (resolved) return {};
        if (!opt.auth.token.empty()) {
            auto t = resolve_secret(opt.auth.token);
            if (!t) return fail(t.error().with_context(opt.node + ": "));
            token = *t;
        } else if (!opt.auth.account.empty()) {
            if (auto s = sign_in(d); !s) return s;
        }
        resolved = true;  // without credentials: calls go out and the server's EMPTY_TOKEN explains
        return {};
    }

    // Maps a non-2xx answer to one Error; 2xx yields the "data" member.
    Result<json> interpret(const net::HttpResponse& resp, const std::string& action) {
        const json j = json::parse(resp.body, nullptr, false);
        const std::string what = opt.node + ": " + action;
        if (resp.status >= 200 && resp.status < 300) {
            if (resp.body.empty()) return json(nullptr);
            if (j.is_discarded())
                return fail(ErrorCode::Protocol, what + " answered HTTP " + std::to_string(resp.status) +
                                                     " with a body that is not JSON: " + printable(resp.body));
            if (j.is_object() && j.contains("data")) return j["data"];
            return j;
        }
        if (resp.status == 401) {
            const std::string code = first_error_code(j);
            return fail(ErrorCode::Auth, what + ": NocoBase refused the credentials" +
                                             (code.empty() ? "" : " (" + code + ")") + ": " +
                                             auth_hint(code, source()));
        }
        if (resp.status == 403)
            return fail(ErrorCode::Auth, what + " is not permitted (" + app_error_text(resp.body) +
                                             "): use an API key of the root or admin role");
        if (j.is_object() && j.contains("error")) {
            ProbeAnswer a{std::nullopt, resp.status, resp.header("content-type"), resp.body};
            const AppStatus s = classify_answer(a);
            const bool transient = s.phase == AppPhase::Busy || s.phase == AppPhase::Booting;
            return fail(ErrorCode::Remote, what + ": the app is not serving: " + describe(s), transient);
        }
        if (resp.status == 502 || resp.status == 504)
            return fail(ErrorCode::Unreachable, what + ": HTTP " + std::to_string(resp.status) + " from a proxy", true);
        if (resp.status == 404 && !j.is_object())
            return fail(ErrorCode::NotFound, what + " does not exist on this node (HTTP 404): is its plugin enabled?");
        if (j.is_object() && j.contains("errors"))
            return fail(ErrorCode::Remote,
                        what + " failed (HTTP " + std::to_string(resp.status) + "): " + app_error_text(resp.body));
        return fail(ErrorCode::Protocol,
                    what + " answered HTTP " + std::to_string(resp.status) + ": " + printable(resp.body));
    }

    Result<json> call(const std::string& method, const std::string& action, const std::string& query,
                      const std::optional<json>& body, const Deadline& d, Duration cap) {
        if (auto s = ensure_auth(d); !s) return fail(s.error());
        for (int attempt = 0;; ++attempt) {
            net::HttpRequest r = base_request(method, action, query);
            if (body) {
                r.headers.emplace_back("Content-Type", "application/json");
                r.body = body->dump();
            }
            auto resp = send(r, d.capped(cap));
            if (!resp) return fail(resp.error());
            // A sign-in session that expired: sign in again once.
            if (resp->status == 401 && token_from_account && attempt == 0) {
                if (auto s = sign_in(d); !s) return fail(s.error());
                continue;
            }
            return interpret(*resp, action);
        }
    }

    Result<json> upload(const std::string& action, const std::string& query, const std::string& file,
                        const std::vector<std::pair<std::string, std::string>>& fields, const Deadline& d) {
        if (auto s = ensure_auth(d); !s) return fail(s.error());
        if (!fs::is_regular_file(file)) return fail(ErrorCode::Io, "cannot read " + file + " for upload");
        net::HttpRequest r = base_request("POST", action, query);
        r.multipart.push_back({"file", file, fs::path(file).filename().string(), "application/octet-stream"});
        r.form_fields = fields;
        auto resp = send(r, d);
        if (!resp) return fail(resp.error());
        return interpret(*resp, action);
    }

    // Streams a GET to `tmp` with a running SHA-256; returns the digest and size. Never keeps a
    // partial file: on any failure `tmp` is removed.
    Result<std::pair<std::string, std::uint64_t>> download(const std::string& action, const std::string& query,
                                                           const std::string& tmp, const Deadline& d) {
        if (auto s = ensure_auth(d); !s) return fail(s.error());
        util::Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (!fd.valid()) return fail(ErrorCode::Io, "cannot create " + tmp + ": " + std::strerror(errno));
        struct Remove {
            const std::string& path;
            bool keep = false;
            ~Remove() {
                if (!keep) ::unlink(path.c_str());
            }
        } guard{tmp};
        std::string write_error;
        std::string head;  // first bytes, to explain a non-200 answer
        // This thread receives and writes 256 KiB blocks (curl's receive buffer size); a second one
        // hashes them and starts writeback every 8 MiB (sync_file_range), so SHA-256 and most of the
        // final fsync overlap the transfer instead of adding to it. Measured on 2 loaded cores: 1 MiB
        // blocks pipeline worse (slower than one thread), and writeback per block costs more than it saves.
        // Memory stays kBlocks * kBlock + curl's buffer.
        constexpr long kBuffer = 256L << 10;
        constexpr std::size_t kBlock = 256U << 10U;
        constexpr std::size_t kBlocks = 8;
        constexpr off_t kWriteback = 8L << 20;
        util::Sha256 sha;
        off_t hashed = 0;
        util::BlockPipe pipe(
            kBlock, kBlocks,
            [&](std::string_view block) {
                while (!block.empty()) {
                    const ssize_t n = ::write(fd.get(), block.data(), block.size());
                    if (n < 0) {
                        if (errno == EINTR) continue;
                        write_error = std::strerror(errno);
                        return false;
                    }
                    block.remove_prefix(static_cast<std::size_t>(n));
                }
                return true;
            },
            [&](std::string_view block) {
                sha.update(block);
                const auto len = static_cast<off_t>(block.size());
                // Only a head start for the fsync below, which stays the guarantee: errors are ignored.
                if ((hashed + len) % kWriteback == 0)
                    (void)::sync_file_range(fd.get(), 0, hashed + len, SYNC_FILE_RANGE_WRITE);
                hashed += len;
                return true;
            });
        net::HttpRequest r = base_request("GET", action, query);
        r.headers.erase(r.headers.begin());  // Accept: application/json would be wrong for a file
        r.buffer_size = kBuffer;
        r.on_body = [&](std::string_view chunk) {
            if (head.size() < 4096) head.append(chunk.substr(0, 4096 - head.size()));
            return pipe.push(chunk);
        };
        auto resp = send(r, d);
        if (resp && !pipe.finish() && write_error.empty()) write_error = "the hashing stage stopped";
        if (!write_error.empty()) return fail(ErrorCode::Io, "cannot write " + tmp + ": " + write_error);
        if (!resp) return fail(resp.error());
        if (resp->status != 200) {
            net::HttpResponse shown = *resp;
            shown.body = head;
            auto e = interpret(shown, action);
            if (!e) return fail(e.error());
            return fail(ErrorCode::Protocol, opt.node + ": " + action + " answered HTTP " +
                                                 std::to_string(resp->status) + " instead of a file");
        }
        if (auto cl = resp->header("content-length"); !cl.empty()) {
            // curl already rejects most short bodies; this also catches a server that lies about a size.
            if (std::to_string(resp->bytes) != cl)
                return fail(
                    ErrorCode::Verification,
                    opt.node + ": " + action + " delivered " + std::to_string(resp->bytes) + " of " + cl + " bytes",
                    true);
        }
        if (::fsync(fd.get()) != 0) return fail(ErrorCode::Io, "cannot sync " + tmp + ": " + std::strerror(errno));
        fd.reset();
        guard.keep = true;
        return std::pair{sha.hex_digest(), resp->bytes};
    }

    AppStatus probe(const std::string& action, const Deadline& d, ProbeAnswer& out) {
        net::HttpRequest r;
        r.url = url(action, "");
        r.tls = opt.tls;
        r.connect_timeout = opt.connect_timeout;
        auto resp = http.perform(r, d.capped(opt.probe_timeout));
        if (!resp) {
            out.transport = resp.error();
        } else {
            out.status = resp->status;
            out.content_type = resp->header("content-type");
            out.body = std::move(resp->body);
        }
        return classify_answer(out);
    }

    Result<std::vector<PluginInfo>> plugins(const Deadline& d) {
        return plugin_list(call("GET", "pm:list", "", std::nullopt, d, opt.request_timeout), "pm:list");
    }

    // The plugin manager's own table, enabled rows only: one database query, where pm:list reads every
    // plugin's package on disk (0.13-0.27 s on a 2-core node against 0.01-0.02 s). A role that may not list
    // it, or a server without it, gets pm:list's enabled entries instead.
    Result<std::vector<PluginInfo>> enabled_plugins(const Deadline& d) {
        static const std::string kQuery =
            "paginate=false&filter=%7B%22enabled%22%3Atrue%7D&fields=name,packageName,version,enabled,installed,"
            "builtIn";
        auto rows = plugin_list(call("GET", "applicationPlugins:list", kQuery, std::nullopt, d, opt.request_timeout),
                                "applicationPlugins:list");
        if (!rows) {
            // A refusal or an unknown resource: pm:list may still answer. A node that does not answer does not.
            const auto c = rows.error().code;
            const bool answered = c == ErrorCode::Auth || c == ErrorCode::NotFound || c == ErrorCode::Protocol ||
                                  (c == ErrorCode::Remote && !rows.error().transient);
            if (!answered) return rows;
            rows = plugins(d);
            if (!rows) return rows;
        }
        std::erase_if(*rows, [](const PluginInfo& p) { return !p.enabled; });
        return rows;
    }

    Result<std::vector<PluginInfo>> plugin_list(const Result<json>& data, const std::string& action) const {
        if (!data) return fail(data.error());
        if (!data->is_array()) return fail(ErrorCode::Protocol, opt.node + ": " + action + " did not answer a list");
        std::vector<PluginInfo> out;
        for (const auto& p : *data) {
            out.push_back({str_at(p, "name"), str_at(p, "packageName"), str_at(p, "version"), bool_at(p, "enabled"),
                           bool_at(p, "installed"), bool_at(p, "builtIn")});
        }
        return out;
    }

    Result<std::optional<PluginInfo>> find_plugin(const std::string& name, const Deadline& d) {
        auto list = plugins(d);
        if (!list) return fail(list.error());
        for (auto& p : *list)
            if (same_plugin(p, name)) return std::optional<PluginInfo>(p);
        return std::optional<PluginInfo>();
    }
};

NocoBaseClient::NocoBaseClient(ClientOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->opt = std::move(options);
    if (impl_->opt.consecutive_ready < 1) impl_->opt.consecutive_ready = 1;
}
NocoBaseClient::~NocoBaseClient() = default;

Result<json> NocoBaseClient::call(const std::string& method, const std::string& action, const std::string& query,
                                  const std::optional<json>& body, const Deadline& d) {
    return impl_->call(method, action, query, body, d, impl_->opt.request_timeout);
}

AppStatus NocoBaseClient::check(const Deadline& d) {
    ProbeAnswer health, info;
    AppStatus h = impl_->probe("__health_check", d, health);
    if (h.phase != AppPhase::Ready) return h;
    impl_->probe("app:getInfo", d, info);
    return classify_node(health, info);
}

Result<AppStatus> NocoBaseClient::wait_ready(const std::optional<std::string>& version, const Deadline& d,
                                             const ProgressFn& progress) {
    const auto& o = impl_->opt;
    int ready = 0;
    std::string last_shown;
    std::string wrong_version;  // the version a ready node reported, when it was not the one expected
    for (;;) {
        if (stop_requested()) return fail(ErrorCode::Cancelled, o.node + ": interrupted while waiting for readiness");
        AppStatus s = check(d);
        const bool at_version = !version || version->empty() || s.version == *version;
        if (progress) {
            const std::string shown = describe(s);
            if (shown != last_shown) progress(s);
            last_shown = shown;
        }
        if (s.phase == AppPhase::Ready && !at_version) wrong_version = s.version;
        if (s.phase == AppPhase::Ready && at_version) {
            if (++ready >= o.consecutive_ready) return s;
        } else {
            ready = 0;
        }
        if (s.phase == AppPhase::Failed)
            return fail(ErrorCode::Remote, o.node + " failed: " + describe(s) + "; see the node's log");
        if (s.phase == AppPhase::Stopped)
            return fail(ErrorCode::Conflict, o.node + " is stopped (" + s.message + "): start it first");
        if (d.expired()) {
            // The last probe may itself have been cut by the deadline: the version seen explains more.
            std::string why = !wrong_version.empty() ? "it runs version " + wrong_version + ", expected " + *version
                                                     : "last state " + describe(s);
            return fail(ErrorCode::Timeout, o.node + " not ready before the deadline: " + why);
        }
        if (auto sl = sleep_for(o.poll_interval, d); !sl) return fail(sl.error());
    }
}

// --- plugins ---

Result<std::vector<PluginInfo>> NocoBaseClient::plugins(const Deadline& d) {
    return impl_->plugins(d);
}

Result<std::vector<PluginInfo>> NocoBaseClient::enabled_plugins(const Deadline& d) {
    return impl_->enabled_plugins(d);
}

namespace {
// Waits until `package` shows up in pm:list (pm:add downloads in the background).
Status await_plugin_present(NocoBaseClient& c, const std::string& node, const std::string& package, const Deadline& d) {
    for (;;) {
        if (auto r = c.wait_ready(std::nullopt, d); !r) return fail(r.error());
        if (package.empty()) return {};
        auto list = c.plugins(d);
        if (list) {
            for (const auto& p : *list)
                if (same_plugin(p, package)) return {};
        } else if (!list.error().transient) {
            return fail(list.error());
        }
        if (d.expired())
            return fail(ErrorCode::Timeout, node + ": plugin " + package +
                                                " did not appear in pm:list before the deadline; see the node's log");
        if (auto s = sleep_for(Duration(500), d); !s) return s;
    }
}
}  // namespace

Status NocoBaseClient::plugin_add(const std::string& package, const std::string& registry, const std::string& version,
                                  const Deadline& d) {
    // Without a registry pm:add downloads nothing (it only marks .upgrading).
    if (registry.empty())
        return fail(ErrorCode::Usage, "plugin add " + package + ": give the npm registry URL to download it from");
    json body{{"packageName", package}, {"registry", registry}};
    if (!version.empty()) body["version"] = version;
    if (auto r = call("POST", "pm:add", "", body, d); !r) return fail(r.error());
    return await_plugin_present(*this, impl_->opt.node, package, d);
}

namespace {
Status set_enabled(NocoBaseClient& c, NocoBaseClient::Impl& impl, const std::string& name, bool enable,
                   const Deadline& d) {
    const std::string action = enable ? "pm:enable" : "pm:disable";
    // awaitResponse=true: the answer comes after the in-process reload (or carries its failure).
    auto r = impl.call("POST", action, "filterByTk=" + net::url_encode(name) + "&awaitResponse=true", std::nullopt, d,
                       std::max(impl.opt.request_timeout, Duration(300000)));
    if (!r) return fail(r.error());
    if (auto w = c.wait_ready(std::nullopt, d); !w) return fail(w.error());
    auto p = impl.find_plugin(name, d);
    if (!p) return fail(p.error());
    if (!*p) return fail(ErrorCode::NotFound, impl.opt.node + ": plugin " + name + " is not in pm:list");
    if ((*p)->enabled != enable)
        return fail(ErrorCode::Verification, impl.opt.node + ": plugin " + name + " is still " +
                                                 (enable ? "disabled" : "enabled") + " after " + action);
    return {};
}
}  // namespace

Status NocoBaseClient::plugin_enable(const std::string& name, const Deadline& d) {
    return set_enabled(*this, *impl_, name, true, d);
}
Status NocoBaseClient::plugin_disable(const std::string& name, const Deadline& d) {
    return set_enabled(*this, *impl_, name, false, d);
}

Status NocoBaseClient::plugin_remove(const std::string& name, const Deadline& d) {
    auto p = impl_->find_plugin(name, d);
    if (!p) return fail(p.error());
    if (!*p) return fail(ErrorCode::NotFound, impl_->opt.node + ": plugin " + name + " is not in pm:list");
    if ((*p)->built_in)
        return fail(ErrorCode::Conflict, impl_->opt.node + ": plugin " + name + " is built in: disable it instead");
    if ((*p)->enabled) {
        if (auto s = plugin_disable(name, d); !s) return s;
    }
    if (auto r = call("POST", "pm:remove", "filterByTk=" + net::url_encode((*p)->name), std::nullopt, d); !r)
        return fail(r.error());
    if (auto w = wait_ready(std::nullopt, d); !w) return fail(w.error());
    auto after = impl_->find_plugin(name, d);
    if (!after) return fail(after.error());
    if (*after && (*after)->installed)
        return fail(ErrorCode::Verification,
                    impl_->opt.node + ": plugin " + name + " is still installed after pm:remove");
    return {};
}

namespace {
// pm:update runs as a command inside the node (503 APP_COMMANDING, command "pm.update") after the
// answer. It has ended when the node answers ready after that state was seen; a command too quick for
// the first poll is taken as ended after `quiet` of ready answers (its result is verified later, by the
// version the restarted node loads). A node that goes down meanwhile restarts itself (pm2 launch
// mode, `pm2-restart`): it must come back ready.
Status await_command_end(NocoBaseClient& c, const std::string& command, const Deadline& d) {
    constexpr Duration poll{100};
    constexpr Duration quiet{3000};
    bool seen = false;
    auto ready_since = std::chrono::steady_clock::now();
    for (;;) {
        AppStatus st = c.check(d);
        if (st.phase == AppPhase::Busy && st.command == command) seen = true;
        if (st.phase == AppPhase::Failed)
            return fail(ErrorCode::Remote, "the node failed during " + command + ": " + st.code + " " + st.message);
        if (st.phase == AppPhase::Down || st.phase == AppPhase::Booting) {
            if (auto w = c.wait_ready(std::nullopt, d); !w) return fail(w.error());
            return {};
        }
        const auto now = std::chrono::steady_clock::now();
        if (st.phase != AppPhase::Ready)
            ready_since = now;
        else if (seen || now - ready_since >= quiet)
            return {};
        if (d.expired()) return fail(ErrorCode::Timeout, command + " did not end before the deadline");
        if (auto sl = sleep_for(poll, d); !sl) return sl;
    }
}
}  // namespace

Status NocoBaseClient::plugin_update(const std::string& name, const std::string& package, const PluginSource& src,
                                     const Deadline& d) {
    const std::string& node = impl_->opt.node;
    // filterByTk is required: without it the resource's generic update action refuses the call.
    const std::string query = "filterByTk=" + net::url_encode(name);
    if (!src.file.empty()) {
        if (auto r = impl_->upload("pm:update", query, src.file, {{"packageName", package}}, d); !r)
            return fail(r.error());
    } else {
        if (src.registry.empty())
            return fail(ErrorCode::Usage, "plugin upgrade " + name +
                                              ": give the npm registry URL to download it from, or a package file");
        json body{{"packageName", package}, {"registry", src.registry}};
        if (!src.version.empty()) body["version"] = src.version;
        if (auto r = call("POST", "pm:update", query, body, d); !r) return fail(r.error());
    }
    if (auto e = await_command_end(*this, "pm.update", d); !e)
        return fail(e.error().with_context(node + ": plugin " + name + ": "));
    return {};
}

// --- backups ---

Result<std::string> NocoBaseClient::backup_create(const Deadline& d) {
    auto r = call("POST", "backups:create", "", std::nullopt, d);
    if (!r) return fail(r.error());
    const std::string name = str_at(*r, "name");
    if (name.empty()) return fail(ErrorCode::Protocol, impl_->opt.node + ": backups:create answered without a name");
    // The task status lives in this node's memory: poll this same node.
    for (;;) {
        auto st = call("GET", "backups:taskStatus", "names[]=" + net::url_encode(name), std::nullopt, d);
        if (!st && !st.error().transient) return fail(st.error());
        if (st && st->is_object()) {
            auto it = st->find(name);
            if (it != st->end() && it->is_object()) {
                if (!bool_at(*it, "inProgress")) {
                    const std::string msg = str_at(*it, "message");
                    if (!msg.empty())
                        return fail(ErrorCode::Remote, impl_->opt.node + ": backup " + name + " failed: " + msg);
                    return name;
                }
            } else {
                // Status unknown (the node restarted?): the file list is the fallback truth.
                auto list = backup_list(d);
                if (!list) return fail(list.error());
                for (const auto& b : *list)
                    if (b.name == name && !b.in_progress) return name;
            }
        }
        if (d.expired())
            return fail(ErrorCode::Timeout, impl_->opt.node + ": backup " + name + " still running at the deadline");
        if (auto s = sleep_for(Duration(500), d); !s) return fail(s.error());
    }
}

Result<std::vector<BackupInfo>> NocoBaseClient::backup_list(const Deadline& d) {
    auto r = call("GET", "backups:list", "", std::nullopt, d);
    if (!r) return fail(r.error());
    if (!r->is_array()) return fail(ErrorCode::Protocol, impl_->opt.node + ": backups:list did not answer a list");
    std::vector<BackupInfo> out;
    for (const auto& b : *r)
        out.push_back({str_at(b, "name"), str_at(b, "createdAt"), str_at(b, "fileSize"), bool_at(b, "inProgress")});
    return out;
}

Result<BackupFile> verify_backup_file(const std::string& path) {
    auto entries = zip_list(path);
    if (!entries)
        return fail(ErrorCode::Verification,
                    entries.error().message + " (an encrypted backup cannot be verified: clear its password)");
    const ZipEntry* meta = nullptr;
    bool has_data = false;
    for (const auto& e : *entries) {
        if (e.name == "_metadata.json") meta = &e;
        if (e.name == "data") has_data = true;
    }
    if (meta == nullptr || !has_data)
        return fail(ErrorCode::Verification, path + ": not a NocoBase backup (no _metadata.json and data inside)");
    auto text = zip_read(path, *meta, 4U << 20U);
    if (!text) return fail(text.error());
    const json j = json::parse(*text, nullptr, false);
    if (!j.is_object()) return fail(ErrorCode::Verification, path + ": _metadata.json is not JSON");
    BackupFile f;
    f.path = path;
    f.version = str_at(j, "version");
    if (auto db = j.find("database"); db != j.end() && db->is_object()) {
        f.dialect = str_at(*db, "dialect");
        f.db_version = str_at(*db, "version");
    }
    if (f.version.empty()) return fail(ErrorCode::Verification, path + ": _metadata.json names no version");
    return f;
}

Result<BackupFile> NocoBaseClient::backup_download_verified(const std::string& name, const std::string& path,
                                                            const Deadline& d) {
    // Written beside the destination, renamed only when complete and verified.
    const std::string tmp = path + ".part";
    auto got = impl_->download("backups:download", "filterByTk=" + net::url_encode(name), tmp, d);
    if (!got) return fail(got.error().with_context("backup " + name + ": "));
    auto v = verify_backup_file(tmp);
    if (!v) {
        ::unlink(tmp.c_str());
        return fail(v.error());
    }
    if (auto c = util::commit_atomic(tmp, path); !c) {
        ::unlink(tmp.c_str());
        return fail(c.error());
    }
    v->path = path;
    v->sha256 = got->first;
    v->bytes = got->second;
    return v;
}

Result<std::string> NocoBaseClient::backup_download(const std::string& name, const std::string& path,
                                                    const Deadline& d) {
    auto f = backup_download_verified(name, path, d);
    if (!f) return fail(f.error());
    return f->sha256;
}

namespace {
// After a restore was accepted: the node restores the database, then runs `upgrade` (503) and
// restarts in process. restoreStatus may answer 204 (its memory cache is wiped by the restart), so the
// decision comes from the app states seen: ready again after the upgrade, or a stable ready.
Status await_restore(NocoBaseClient& c, NocoBaseClient::Impl& impl, const std::string& task, const Deadline& d) {
    bool saw_maintenance = false;
    bool saw_upgrade = false;
    auto stable_since = Clock::time_point::max();
    constexpr Duration kStableWithoutUpgrade{15000};
    for (;;) {
        if (stop_requested()) return fail(ErrorCode::Cancelled, impl.opt.node + ": interrupted during the restore");
        AppStatus s = c.check(d);
        if (s.phase == AppPhase::Failed)
            return fail(ErrorCode::Remote, impl.opt.node + ": restore failed: " + describe(s));
        if (s.phase == AppPhase::Ready) {
            auto st = impl.call("GET", "backups:restoreStatus", "task=" + net::url_encode(task), std::nullopt, d,
                                impl.opt.probe_timeout);
            if (st && st->is_object() && !bool_at(*st, "inProgress") && !str_at(*st, "message").empty())
                return fail(ErrorCode::Remote, impl.opt.node + ": restore failed: " + str_at(*st, "message"));
            const bool running = st && st->is_object() && bool_at(*st, "inProgress");
            if (running) {
                stable_since = Clock::time_point::max();
            } else if (saw_upgrade) {
                break;
            } else if (stable_since == Clock::time_point::max()) {
                stable_since = Clock::now();
            } else if (saw_maintenance && Clock::now() - stable_since >= kStableWithoutUpgrade) {
                break;
            }
        } else {
            stable_since = Clock::time_point::max();
            saw_maintenance = true;
            if (s.phase == AppPhase::Busy && s.command == "upgrade") saw_upgrade = true;
        }
        if (d.expired())
            return fail(ErrorCode::Timeout,
                        impl.opt.node + ": restore not finished before the deadline: " + describe(s));
        if (auto sl = sleep_for(impl.opt.poll_interval, d); !sl) return sl;
    }
    if (auto w = c.wait_ready(std::nullopt, d); !w) return fail(w.error());
    return {};
}
}  // namespace

Status NocoBaseClient::backup_restore(const std::string& name, const Deadline& d) {
    auto r = call("POST", "backups:restore", "", json{{"name", name}}, d);
    if (!r) return fail(r.error());
    return await_restore(*this, *impl_, str_at(*r, "task"), d);
}

Status NocoBaseClient::backup_restore_upload(const std::string& path, const Deadline& d) {
    if (auto v = verify_backup_file(path); !v) return fail(v.error());
    auto r = impl_->upload("backups:upload", "", path, {}, d);
    if (!r) return fail(r.error());
    return await_restore(*this, *impl_, str_at(*r, "task"), d);
}

Status NocoBaseClient::backup_delete(const std::string& name, const Deadline& d) {
    if (auto r = call("POST", "backups:destroy", "filterByTk=" + net::url_encode(name), std::nullopt, d); !r)
        return fail(r.error());
    return {};
}

// --- Migration manager (documentation only: no licensed server was available) ---

Result<bool> NocoBaseClient::migration_available(const Deadline& d) {
    auto p = impl_->find_plugin(std::string(kMigrationPackage), d);
    if (!p) return fail(p.error());
    return *p && (*p)->enabled;
}

namespace {
Status require_migration(NocoBaseClient& c, const std::string& node, const Deadline& d) {
    auto a = c.migration_available(d);
    if (!a) return fail(a.error());
    if (!*a)
        return fail(ErrorCode::Unsupported, node + ": the Migration manager (" + std::string(kMigrationPackage) +
                                                ", commercial) is not installed and enabled on this node");
    return {};
}
}  // namespace

Result<std::vector<MigrationRule>> NocoBaseClient::migration_rules(const Deadline& d) {
    if (auto s = require_migration(*this, impl_->opt.node, d); !s) return fail(s.error());
    auto r = call("GET", "migrationRules:list", "", std::nullopt, d);
    if (!r) return fail(r.error());
    std::vector<MigrationRule> out;
    if (r->is_array())
        for (const auto& x : *r) out.push_back({str_at(x, "id"), str_at(x, "name")});
    return out;
}

Result<std::string> NocoBaseClient::migration_create(const std::string& rule_id, const std::string& title,
                                                     const Deadline& d) {
    if (auto s = require_migration(*this, impl_->opt.node, d); !s) return fail(s.error());
    json body{{"ruleId", rule_id}};
    if (!title.empty()) body["title"] = title;
    auto r = call("POST", "migration:create", "", body, d);
    if (!r) return fail(r.error());
    std::string name = r->is_string() ? r->get<std::string>() : str_at(*r, "name");
    if (name.empty()) return fail(ErrorCode::Protocol, impl_->opt.node + ": migration:create answered without a name");
    // Generation is asynchronous: poll until its status is ok.
    for (;;) {
        auto g = call("GET", "migration:get", "name=" + net::url_encode(name), std::nullopt, d);
        if (!g) return fail(g.error());
        const std::string status = str_at(*g, "status");
        if (status == "ok") return name;
        if (status != "in_progress")
            return fail(ErrorCode::Remote, impl_->opt.node + ": migration " + name + " status " + status);
        if (d.expired()) return fail(ErrorCode::Timeout, impl_->opt.node + ": migration " + name + " still generating");
        if (auto s = sleep_for(Duration(1000), d); !s) return fail(s.error());
    }
}

Result<std::string> NocoBaseClient::migration_download(const std::string& name, const std::string& path,
                                                       const Deadline& d) {
    if (auto s = require_migration(*this, impl_->opt.node, d); !s) return fail(s.error());
    const std::string tmp = path + ".part";
    auto got = impl_->download("migration:download", "name=" + net::url_encode(name), tmp, d);
    if (!got) return fail(got.error());
    if (auto c = util::commit_atomic(tmp, path); !c) {
        ::unlink(tmp.c_str());
        return fail(c.error());
    }
    return got->first;
}

Result<json> NocoBaseClient::migration_check(const std::string& file, const Deadline& d) {
    if (auto s = require_migration(*this, impl_->opt.node, d); !s) return fail(s.error());
    return impl_->upload("migration:check", "", file, {}, d);
}

Status NocoBaseClient::migration_execute(const std::string& file, const Deadline& d) {
    if (auto s = require_migration(*this, impl_->opt.node, d); !s) return s;
    if (auto r = impl_->upload("migration:execute", "", file, {}, d); !r) return fail(r.error());
    if (auto w = wait_ready(std::nullopt, d); !w) return fail(w.error());
    return {};
}

// --- factories ---

namespace {
std::unique_ptr<NocoBaseClient> make_client(std::string what, const std::string& url, const TlsOptions& tls,
                                            const Inventory& inv) {
    ClientOptions o;
    o.node = std::move(what);
    o.base_url = url;
    o.tls = tls;
    o.auth = inv.auth;
    o.connect_timeout = std::chrono::duration_cast<Duration>(inv.timeouts.connect);
    if (!tls.verify && url.starts_with("https:"))
        spdlog::warn("{}: TLS certificate verification is DISABLED for {} (tls_verify: false / --insecure)", o.node,
                     util::redact_url(url));
    return std::make_unique<NocoBaseClient>(std::move(o));
}
}  // namespace

std::unique_ptr<NocoBaseClient> make_app_client(const Node& node, const Inventory& inventory) {
    return make_client("node " + node.name, node.url, node.tls, inventory);
}

}  // namespace ncbctl::nocobase
