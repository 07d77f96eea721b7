#pragma once
// The nginx include file ncbctl owns: pure generation of its live / maintenance / pinned variants and
// parsing of its marker line. The file goes in the operator's `http {}` block and defines
//   - upstream <name>: every node (live), one node (pinned), some nodes (partial) or the 503 responder
//     (maintenance), so the
//     operator's `proxy_pass http://<name>;` never changes;
//   - a small responder server (on `listen`) answering 503 + Retry-After + the maintenance page, which
//     passes requests carrying the bypass secret (or from the bypass source) to the canary.
// Failure semantics: Inventory errors for values nginx could not take literally (the secret is never quoted).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/traffic_switch.hpp"

namespace ncbctl::traffic {

struct NginxSettings {
    std::string upstream = "ncbctl_nocobase";
    std::vector<std::pair<std::string, std::string>> upstreams;  // node -> host:port, inventory order
    std::string canary;
    int retry_after = 120;
    std::string listen;         // responder: "unix:/etc/nginx/ncbctl.conf.sock" or "127.0.0.1:8099"
    std::string page_file;      // absolute path of the maintenance page on the LB host
    std::string bypass_header;  // empty => no bypass
    std::string bypass_secret;  // the resolved value (only for rendering; never logged)
    std::string bypass_source;  // IP or CIDR, matched on X-Real-IP set by the operator's proxy
};

// The settings of an inventory's traffic section (nodes in inventory order, responder and page next to the
// include file); the bypass secret is left empty: the caller resolves it at the moment of use.
NginxSettings nginx_settings(const Inventory& inv);

// `node`: the pinned node (Pinned), or the served nodes joined by ',' (Partial); empty otherwise.
Result<std::string> render_nginx_include(const NginxSettings& s, TrafficMode mode, const std::string& node);

struct NginxMarker {
    TrafficMode mode = TrafficMode::Unknown;
    std::string node;  // Pinned: the node; Partial: the nodes joined by ','
};
// Every variant's first line starts so: a file with it is ncbctl's own (setup never overwrites another).
inline constexpr std::string_view kNginxMarkerPrefix = "# ncbctl-traffic ";

// Reads the first line ("# ncbctl-traffic mode=pinned node=app1", "mode=partial node=app1,app3"); nullopt
// when absent or foreign.
std::optional<NginxMarker> parse_nginx_marker(std::string_view content);

// The response header naming the variant nginx answered with ("live", "maintenance", "pinned-app2",
// "partial-app1,app3"): a
// probe through the LB tells our 503 from an app's 503 and sees when a reload has taken effect.
inline constexpr std::string_view kMaintenanceHeader = "X-Ncbctl-Traffic";
std::string variant_name(TrafficMode mode, const std::string& node);

std::string default_maintenance_page(int retry_after);

// Connections in `ss -Hntp` output that nginx holds (`users:(("nginx",...`); every line when no line has
// process information (ss run without the right to see it).
int count_nginx_connections(std::string_view ss_output);

}  // namespace ncbctl::traffic
