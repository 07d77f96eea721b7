#include "traffic/nginx_config.hpp"

#include <algorithm>
#include <cctype>

namespace ncbctl::traffic {
namespace {

bool only(std::string_view s, std::string_view extra) {
    return !s.empty() && std::ranges::all_of(s, [&](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || extra.find(c) != std::string_view::npos;
    });
}

Status check(bool ok, const std::string& what) {
    if (ok) return {};
    return fail(ErrorCode::Inventory, what);
}

std::vector<std::string> split_nodes(const std::string& csv) {
    std::vector<std::string> out;
    for (std::size_t pos = 0; pos <= csv.size();) {
        auto comma = csv.find(',', pos);
        if (comma == std::string::npos) comma = csv.size();
        if (comma > pos) out.push_back(csv.substr(pos, comma - pos));
        pos = comma + 1;
    }
    return out;
}

Status validate(const NginxSettings& s, TrafficMode mode, const std::string& node) {
    if (auto ok = check(only(s.upstream, "_-"), "traffic.upstream '" + s.upstream + "' must be [A-Za-z0-9_-]"); !ok)
        return ok;
    if (s.upstreams.empty())
        return fail(ErrorCode::Inventory, "traffic.upstreams is empty; map each node to host:port");
    for (const auto& [n, addr] : s.upstreams)
        if (auto ok = check(only(addr, ".:-_[]"), "traffic.upstreams." + n + " '" + addr + "' is not host:port"); !ok)
            return ok;
    if (auto ok = check(only(s.listen, ".:-_/[]"),
                        "traffic.maintenance_listen '" + s.listen + "' is not an nginx listen address");
        !ok)
        return ok;
    if (auto ok = check(only(s.page_file, "._-/") && s.page_file.front() == '/',
                        "maintenance page path '" + s.page_file + "' must be absolute and plain");
        !ok)
        return ok;
    if (mode == TrafficMode::Pinned &&
        std::ranges::none_of(s.upstreams, [&](const auto& u) { return u.first == node; }))
        return fail(ErrorCode::Usage, "cannot pin traffic to " + node + ": it has no entry in traffic.upstreams");
    if (mode == TrafficMode::Partial)
        for (const auto& n : split_nodes(node))
            if (std::ranges::none_of(s.upstreams, [&](const auto& u) { return u.first == n; }))
                return fail(ErrorCode::Usage, "cannot send traffic to " + n + ": it has no entry in traffic.upstreams");
    if (s.bypass_header.empty()) return {};
    if (auto ok =
            check(only(s.bypass_header, "-"), "traffic.bypass.header '" + s.bypass_header + "' must be [A-Za-z0-9-]");
        !ok)
        return ok;
    if (auto ok =
            check(s.bypass_secret.size() >= 16 && only(s.bypass_secret, "._+/=-"),
                  "the bypass secret must be at least 16 characters of [A-Za-z0-9._+/=-] (nginx matches it literally)");
        !ok)
        return ok;
    if (s.bypass_source.empty()) return {};
    return check(only(s.bypass_source, ".:/"), "traffic.bypass.source '" + s.bypass_source + "' is not an IP or CIDR");
}

std::string header_variable(std::string_view header) {
    std::string v = "$http_";
    for (char c : header) v += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v;
}

const std::string* find_upstream(const NginxSettings& s, const std::string& node) {
    for (const auto& [n, addr] : s.upstreams)
        if (n == node) return &addr;
    return nullptr;
}

}  // namespace

NginxSettings nginx_settings(const Inventory& inv) {
    const TrafficSpec& spec = inv.traffic;
    NginxSettings s;
    s.upstream = spec.upstream;
    for (const auto& n : inv.nodes) {
        auto it = spec.upstreams.find(n.name);
        if (it != spec.upstreams.end()) s.upstreams.emplace_back(n.name, it->second);
    }
    s.canary = inv.canary_node().name;
    s.retry_after = spec.retry_after;
    s.listen = spec.maintenance_listen.empty() ? "unix:" + spec.include_file + ".sock" : spec.maintenance_listen;
    s.page_file = spec.include_file + ".maintenance.html";
    if (spec.bypass) {
        s.bypass_header = spec.bypass->header;
        s.bypass_source = spec.bypass->source;
    }
    return s;
}

std::string default_maintenance_page(int retry_after) {
    return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Maintenance</title></head>\n"
           "<body><h1>NocoBase is under maintenance</h1>\n<p>Please try again in " +
           std::to_string(std::max(1, retry_after / 60)) + " minute(s).</p></body></html>\n";
}

Result<std::string> render_nginx_include(const NginxSettings& s, TrafficMode mode, const std::string& node) {
    if (mode != TrafficMode::Live && mode != TrafficMode::Maintenance && mode != TrafficMode::Pinned &&
        mode != TrafficMode::Partial)
        return fail(ErrorCode::Internal, "nginx include: no variant for mode " + std::string(to_string(mode)));
    if (auto ok = validate(s, mode, node); !ok) return fail(ok.error());
    const std::string& listen = s.listen;
    const bool bypass = !s.bypass_header.empty();
    const auto slash = s.page_file.rfind('/');
    const std::string page_root = slash == 0 ? "/" : s.page_file.substr(0, slash);
    const std::string page_uri = s.page_file.substr(slash);

    std::string f = "# ncbctl-traffic mode=" + std::string(to_string(mode)) +
                    " node=" + (mode == TrafficMode::Pinned || mode == TrafficMode::Partial ? node : "") + "\n";
    f += "# Generated by ncbctl; it rewrites this file on every traffic switch: do not edit.\n";
    if (bypass) f += "# Holds the bypass secret: keep it mode 0600 (ncbctl writes it so).\n";
    // Every response through the LB names the variant that answered, so a probe can tell when a reload
    // has taken effect (operators whose server/location has its own add_header repeat this line there).
    f += "\nmap $host $ncbctl_traffic {\n    default \"" + variant_name(mode, node) + "\";\n}\n";
    f += "add_header " + std::string(kMaintenanceHeader) + " $ncbctl_traffic always;\n";
    f += "\nupstream " + s.upstream + " {\n";
    if (mode == TrafficMode::Maintenance) f += "    server " + listen + ";\n";
    const auto served = split_nodes(node);
    for (const auto& [n, addr] : s.upstreams)
        if (mode == TrafficMode::Live || (mode == TrafficMode::Pinned && n == node) ||
            (mode == TrafficMode::Partial && std::ranges::find(served, n) != served.end()))
            f += "    server " + addr + ";  # " + n + "\n";
    f += "}\n";

    if (bypass) {
        const std::string* canary = find_upstream(s, s.canary);
        if (canary == nullptr)
            return fail(ErrorCode::Inventory, "the canary " + s.canary + " has no entry in traffic.upstreams");
        f += "\nupstream " + s.upstream + "_canary {\n    server " + *canary + ";  # " + s.canary + "\n}\n";
        f += "map " + header_variable(s.bypass_header) + " $ncbctl_bypass_header {\n    default 0;\n    \"" +
             s.bypass_secret + "\" 1;\n}\n";
        f += "geo $http_x_real_ip $ncbctl_bypass_source {\n    default 0;\n";
        if (!s.bypass_source.empty()) f += "    " + s.bypass_source + " 1;\n";
        f += "}\n";
        f += "map \"$ncbctl_bypass_header$ncbctl_bypass_source\" $ncbctl_bypass {\n    default 1;\n    \"00\" 0;\n}\n";
    }

    const std::string ra = std::to_string(s.retry_after);
    f += "\n# The maintenance responder: every request gets 503 + Retry-After + the page";
    f += bypass ? ", except bypass requests, which reach the canary.\n" : ".\n";
    f += "server {\n    listen " + listen + ";\n    access_log off;\n    root " + page_root + ";\n";
    f += "    error_page 503 " + page_uri + ";\n";
    if (bypass) f += "    error_page 418 = @ncbctl_bypass;\n";
    f += "    location / {\n";
    if (bypass) f += "        if ($ncbctl_bypass) {\n            return 418;\n        }\n";
    f += "        return 503;\n    }\n";
    f += "    location = " + page_uri + " {\n        internal;\n        default_type text/html;\n";
    f += "        add_header Retry-After " + ra + " always;\n";
    f += "        add_header Cache-Control \"no-store\" always;\n";
    f += "        add_header " + std::string(kMaintenanceHeader) + " maintenance always;\n    }\n";
    if (bypass) {
        f += "    location @ncbctl_bypass {\n        proxy_pass http://" + s.upstream + "_canary;\n";
        f += "        proxy_set_header Host $host;\n    }\n";
    }
    f += "}\n";
    return f;
}

std::string variant_name(TrafficMode mode, const std::string& node) {
    if (mode == TrafficMode::Pinned || mode == TrafficMode::Partial) return std::string(to_string(mode)) + "-" + node;
    return std::string(to_string(mode));
}

std::optional<NginxMarker> parse_nginx_marker(std::string_view content) {
    const std::string_view prefix = kNginxMarkerPrefix;
    if (!content.starts_with(prefix)) return std::nullopt;
    std::string_view line = content.substr(prefix.size(), content.find('\n') - prefix.size());
    NginxMarker m;
    std::string mode;
    while (!line.empty()) {
        auto sp = line.find(' ');
        std::string_view kv = line.substr(0, sp);
        line = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
        if (kv.starts_with("mode=")) mode = kv.substr(5);
        if (kv.starts_with("node=")) m.node = kv.substr(5);
    }
    for (auto candidate : {TrafficMode::Live, TrafficMode::Maintenance, TrafficMode::Pinned, TrafficMode::Partial})
        if (to_string(candidate) == mode) m.mode = candidate;
    const bool needs_node = m.mode == TrafficMode::Pinned || m.mode == TrafficMode::Partial;
    if (m.mode == TrafficMode::Unknown || (needs_node && m.node.empty())) return std::nullopt;
    return m;
}

int count_nginx_connections(std::string_view ss_output) {
    int lines = 0;
    int nginx = 0;
    bool any_process = false;
    while (!ss_output.empty()) {
        const auto nl = ss_output.find('\n');
        const std::string_view line = ss_output.substr(0, nl);
        ss_output = nl == std::string_view::npos ? std::string_view() : ss_output.substr(nl + 1);
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        ++lines;
        if (line.find("users:((") != std::string_view::npos) any_process = true;
        if (line.find("((\"nginx\"") != std::string_view::npos || line.find("),(\"nginx\"") != std::string_view::npos)
            ++nginx;
    }
    return any_process ? nginx : lines;
}

}  // namespace ncbctl::traffic
