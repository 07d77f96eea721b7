#include "traffic/traffic_setup.hpp"

#include "traffic/lb_setup.hpp"
#include "traffic/nginx_config.hpp"
#include "traffic/nginx_files.hpp"

namespace ncbctl::traffic {
namespace {

std::string names(const std::vector<SetupPiece>& pieces) {
    std::string out;
    for (const auto& p : pieces) out += (out.empty() ? "" : ", ") + p.name;
    return out;
}

Result<std::vector<SetupPiece>> nginx_pieces(const Inventory& inv) {
    NginxSettings s = nginx_settings(inv);
    if (inv.traffic.bypass) s.bypass_secret = kSecretPlaceholder;
    auto include = render_nginx_include(s, TrafficMode::Live, "");
    if (!include) return fail(include.error());
    auto server = render_nginx_server_block(inv);
    if (!server) return fail(server.error());
    return std::vector<SetupPiece>{
        {"include", inv.traffic.include_file + ": ncbctl's file (`--write` creates it; every switch rewrites it)",
         std::move(*include)},
        {"server", "paste inside http {} of your nginx configuration, once", std::move(*server)}};
}

Result<std::vector<SetupPiece>> haproxy_pieces(const Inventory& inv, const SetupRequest& req) {
    const HaproxyFiles files{.errorfile = req.errorfile};
    auto frontend = render_haproxy_frontend(inv, files);
    if (!frontend) return fail(frontend.error());
    auto backend = render_haproxy_backend(inv, files);
    if (!backend) return fail(backend.error());
    auto page = maintenance_page_html(inv.traffic);
    if (!page) return fail(page.error());
    auto errorfile = render_haproxy_errorfile(inv.traffic.retry_after, *page);
    if (!errorfile) return fail(errorfile.error());
    return std::vector<SetupPiece>{
        {"global", "your haproxy.cfg's global section", render_haproxy_global(inv)},
        {"frontend", "haproxy.cfg (or merge the bypass ACL into your own frontend)", std::move(*frontend)},
        {"backend", "haproxy.cfg", std::move(*backend)},
        {"errorfile", req.errorfile + " (a complete HTTP response, CRLF line ends)", std::move(*errorfile)}};
}

// The include when it is missing; an ncbctl file is left as it is (it holds the current mode), another
// file is never overwritten.
struct Written {
    bool wrote = false;
    std::vector<std::string> notes;
};

Result<Written> write_include(const Inventory& inv, CommandRunner& lb, const Deadline& d) {
    const TrafficSpec& t = inv.traffic;
    auto old = read_lb_file(lb, t.include_file, d);
    if (!old) return fail(old.error());
    if (old->has_value()) {
        auto marker = parse_nginx_marker(**old);
        if (!marker)
            return fail(ErrorCode::Conflict,
                        t.include_file + " on " + lb.where() + " exists and is not ncbctl's (its first line is not '" +
                            std::string(kNginxMarkerPrefix) +
                            "...'): left untouched; move it away or set traffic.nginx.include_file to a new path");
        return Written{.notes = {t.include_file + " on " + lb.where() + " is already ncbctl's (mode " +
                                 std::string(to_string(marker->mode)) +
                                 "): left as it is; `ncbctl traffic live` rewrites it"}};
    }
    NginxSettings s = nginx_settings(inv);
    if (t.bypass) {
        auto secret = resolve_secret(t.bypass->secret);
        if (!secret)
            return fail(secret.error().with_context("traffic.bypass.secret (" + t.bypass->secret.describe() + "): "));
        s.bypass_secret = std::move(*secret);
    }
    auto include = render_nginx_include(s, TrafficMode::Live, "");
    if (!include) return fail(include.error());
    if (auto ok = write_nginx_files(lb, t, s, *include, true, d); !ok) return fail(ok.error());
    return Written{true,
                   {"wrote " + t.include_file + " (live variant, mode " + (t.bypass ? "0600" : "0644") + ") and " +
                        s.page_file + " on " + lb.where() + "; nginx was not reloaded",
                    "next: paste the server block inside http {}, check with `nginx -t`, start or reload nginx, then "
                    "`ncbctl traffic status`"}};
}

}  // namespace

Result<SetupOutcome> set_up_traffic(const Inventory& inv, CommandRunner& lb, const SetupRequest& req,
                                    const Deadline& d) {
    const std::string& driver = inv.traffic.driver;
    const bool nginx = driver == "nginx";
    if (!nginx && driver != "haproxy")
        return fail(ErrorCode::Usage, "traffic setup generates nginx and haproxy configuration; traffic.driver is " +
                                          driver + " (set your load balancer up as docs/traffic.md says)");
    if (req.write && !nginx)
        return fail(ErrorCode::Usage,
                    "--write: ncbctl owns no HAProxy file (it switches servers over the admin socket); put the "
                    "printed pieces in your configuration");
    auto pieces = nginx ? nginx_pieces(inv) : haproxy_pieces(inv, req);
    if (!pieces) return fail(pieces.error());
    SetupOutcome out;
    for (auto& p : *pieces)
        if (req.part.empty() || p.name == req.part) out.pieces.push_back(std::move(p));
    if (out.pieces.empty())
        return fail(ErrorCode::Usage,
                    "--part " + req.part + ": the " + driver + " set-up has no such piece (" + names(*pieces) + ")");
    if (inv.traffic.bypass)
        out.notes.push_back(nginx ? "the bypass secret shows as " + std::string(kSecretPlaceholder) +
                                        " in the printed include; --write puts its value in the file"
                            : bypass_secret_file(inv, {}) == inv.traffic.bypass->secret.file
                                ? "the bypass ACL reads the secret from traffic.bypass.secret_file " +
                                      inv.traffic.bypass->secret.file + ": HAProxy must be able to read it"
                                : "put the bypass secret (" + inv.traffic.bypass->secret.describe() + ") alone in " +
                                      bypass_secret_file(inv, {}) + ", mode 0600, readable by HAProxy");
    if (req.write) {
        auto written = write_include(inv, lb, d);
        if (!written) return fail(written.error());
        out.notes.insert(out.notes.end(), written->notes.begin(), written->notes.end());
        out.wrote = written->wrote;
    }
    return out;
}

}  // namespace ncbctl::traffic
