#pragma once
// Pure generation of what the operator puts in their load balancer's own configuration so ncbctl can drive
// it (`ncbctl traffic setup`): the nginx server block NocoBase needs behind a proxy, and the HAProxy global,
// frontend and backend sections plus the 503 errorfile. ncbctl's own nginx include is rendered by
// nginx_config.hpp; these pieces are printed for the operator, never written by ncbctl.
// Failure semantics: Inventory errors for values the generated text could not carry (a URL without host,
// a maintenance page too big for an HAProxy errorfile).
#include <string>

#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"

namespace ncbctl::traffic {

// scheme://host[:port][/...] of api.lb_url or a node's url; port defaulted from the scheme.
struct Endpoint {
    std::string scheme = "http";
    std::string host;
    int port = 80;
    [[nodiscard]] bool ip_literal() const;  // 10.0.0.1, [::1]: bind/listen on it; a name: on every address
};
Result<Endpoint> parse_endpoint(const std::string& url);

// Where the LB listens when api.lb_url is empty: port 80 on every address.
inline constexpr std::string_view kDefaultLbUrl = "http://localhost";

// The lines pasted inside nginx's http {}: the include line of ncbctl's file, the WebSocket upgrade map and
// the server block proxying to the upstream (X-Forwarded-*, upload size, long timeouts for big imports).
Result<std::string> render_nginx_server_block(const Inventory& inv);

struct HaproxyFiles {
    std::string errorfile = "/etc/haproxy/errors/ncbctl-maintenance.http";  // the 503 response
    std::string bypass_secret_file;  // ACL value file; default: traffic.bypass.secret's file, else below
};
inline constexpr std::string_view kDefaultBypassSecretFile = "/etc/haproxy/ncbctl-bypass.secret";

// `stats socket <traffic.socket> mode 600 level admin` in a global section.
std::string render_haproxy_global(const Inventory& inv);
// The frontend on api.lb_url's port: X-Forwarded-*, and the bypass ACL + use_backend when configured.
Result<std::string> render_haproxy_frontend(const Inventory& inv, const HaproxyFiles& files);
// The backend (and the bypass backend) with one server per node at its url's host:port, NocoBase's
// readiness check, the errorfile, timeouts for big imports and WebSockets.
Result<std::string> render_haproxy_backend(const Inventory& inv, const HaproxyFiles& files);
// The errorfile's content: a complete HTTP/1.0 503 response (CRLF) with Retry-After and the page.
Result<std::string> render_haproxy_errorfile(int retry_after, const std::string& page_html);

// The bypass ACL's value file: traffic.bypass.secret's file when the secret is one, else the default.
std::string bypass_secret_file(const Inventory& inv, const HaproxyFiles& files);

}  // namespace ncbctl::traffic
