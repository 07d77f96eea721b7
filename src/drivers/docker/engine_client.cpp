#include "drivers/docker/engine_client.hpp"

#include <charconv>

#include "drivers/ssh/ssh_forward.hpp"
#include "drivers/ssh/ssh_transport.hpp"
#include "net/socket_stream.hpp"
#include "net/tls_stream.hpp"

namespace ncbctl::docker {
namespace {

// "1.41" -> 41 (major must be 1); -1 when unparsable.
int api_minor(std::string_view v) {
    if (!v.starts_with("1.")) return -1;
    v.remove_prefix(2);
    int minor = -1;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), minor);
    return (ec == std::errc() && p == v.data() + v.size()) ? minor : -1;
}

std::string one_line(std::string_view s, std::size_t max_chars = 300) {
    std::string out;
    for (char c : s) {
        if (c == '\n' || c == '\r' || c == '\t') {
            if (!out.empty() && out.back() != ' ') out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.size() > max_chars) out = out.substr(0, max_chars) + "...";
    return out;
}

}  // namespace

Result<Endpoint> parse_endpoint(const DockerNode& node) {
    Endpoint ep;
    ep.display = node.endpoint.empty() ? "unix://" + node.socket_path : node.endpoint;
    const std::string& e = ep.display;
    if (e.starts_with("unix://")) {
        ep.kind = Endpoint::Kind::Unix;
        ep.socket_path = e.substr(7);
        ep.base_url = "http://docker";
        if (ep.socket_path.empty() || ep.socket_path.front() != '/')
            return fail(ErrorCode::Inventory, "docker endpoint " + e + ": expected unix:///absolute/path");
        return ep;
    }
    if (e.starts_with("tcp://")) {
        ep.kind = Endpoint::Kind::Tcp;
        std::string hostport = e.substr(6);
        while (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
        if (hostport.empty() || hostport.find('/') != std::string::npos)
            return fail(ErrorCode::Inventory, "docker endpoint " + e + ": expected tcp://host:port");
        ep.tls = node.tls;
        const bool tls = !node.tls.ca_file.empty() || !node.tls.cert_file.empty();
        if (hostport.find(':') == std::string::npos || hostport.back() == ']') hostport += tls ? ":2376" : ":2375";
        ep.base_url = (tls ? "https://" : "http://") + hostport;
        const auto colon = hostport.rfind(':');
        ep.host = hostport.substr(0, colon);
        if (ep.host.size() > 2 && ep.host.front() == '[' && ep.host.back() == ']')
            ep.host = ep.host.substr(1, ep.host.size() - 2);
        const std::string p = hostport.substr(colon + 1);
        auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), ep.port);
        if (ec != std::errc() || ptr != p.data() + p.size() || ep.port <= 0 || ep.port > 65535 || ep.host.empty())
            return fail(ErrorCode::Inventory,
                        "docker endpoint " + e + ": expected tcp://host:port, bad port '" + p + "'");
        if (node.tls.cert_file.empty() != node.tls.key_file.empty())
            return fail(ErrorCode::Inventory,
                        "docker endpoint " + e + ": a TLS client certificate needs both cert_file and key_file");
        return ep;
    }
    if (e.starts_with("ssh://")) {
        ep.kind = Endpoint::Kind::Ssh;
        ep.base_url = "http://docker";
        ep.socket_path = node.socket_path;  // on the remote host
        ep.ssh = node.ssh;
        if (ep.ssh.host.empty()) {
            std::string rest = e.substr(6);
            while (!rest.empty() && rest.back() == '/') rest.pop_back();
            if (auto at = rest.find('@'); at != std::string::npos) {
                ep.ssh.user = rest.substr(0, at);
                rest.erase(0, at + 1);
            }
            if (auto colon = rest.rfind(':'); colon != std::string::npos && rest.find(']') == std::string::npos) {
                int port = 0;
                const std::string p = rest.substr(colon + 1);
                auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
                if (ec != std::errc() || ptr != p.data() + p.size() || port <= 0 || port > 65535)
                    return fail(ErrorCode::Inventory, "docker endpoint " + e + ": bad port '" + p + "'");
                ep.ssh.port = port;
                rest.erase(colon);
            }
            ep.ssh.host = rest;
        }
        if (ep.ssh.host.empty() || ep.ssh.host.find('/') != std::string::npos)
            return fail(ErrorCode::Inventory, "docker endpoint " + e + ": expected ssh://user@host[:port]");
        return ep;
    }
    return fail(ErrorCode::Inventory, "docker endpoint " + e + ": use unix://PATH, tcp://HOST:PORT or ssh://USER@HOST");
}

Result<std::string> negotiate_api_version(const Json& body) {
    const std::string server = body.value("ApiVersion", "");
    const std::string server_min = body.value("MinAPIVersion", "1.12");
    const int max_minor = api_minor(server);
    if (max_minor < 0) return fail(ErrorCode::Protocol, "GET /version: no usable ApiVersion in the answer");
    if (max_minor < kMinApiMinor)
        return fail(ErrorCode::Unsupported, "engine API " + server + " is older than v1." +
                                                std::to_string(kMinApiMinor) + "; upgrade the Docker engine");
    const int min_minor = api_minor(server_min);
    if (min_minor > kMaxApiMinor)
        return fail(ErrorCode::Unsupported, "engine requires API >= " + server_min + " but ncbctl speaks up to v1." +
                                                std::to_string(kMaxApiMinor));
    return "v1." + std::to_string(std::min(max_minor, kMaxApiMinor));
}

Result<Json> EngineResponse::json() const {
    auto j = Json::parse(body, nullptr, false);
    if (j.is_discarded()) return fail(ErrorCode::Protocol, "engine answered with a body that is not JSON");
    return j;
}

std::string engine_message(std::string_view body) {
    auto j = Json::parse(body, nullptr, false);
    if (j.is_object() && j.contains("message") && j["message"].is_string())
        return one_line(j["message"].get<std::string>());
    return one_line(body);
}

EngineClient::EngineClient(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}
EngineClient::~EngineClient() = default;

Result<EngineResponse> EngineClient::raw(const EngineRequest& req, const std::string& full_path,
                                         const Deadline& deadline) {
    auto sock = socket(deadline);
    if (!sock) {
        Error e = sock.error();
        e.message = "docker engine " + endpoint_.display + ": " + e.message;
        return std::unexpected(std::move(e));
    }
    net::HttpRequest h{.method = req.method, .url = endpoint_.base_url + full_path};
    h.headers = req.headers;
    if (!req.body.empty() || !req.body_file.empty()) h.headers.emplace_back("Content-Type", req.content_type);
    h.body = req.body;
    h.body_file = req.body_file;
    h.unix_socket = *sock;
    h.tls = endpoint_.tls;
    h.on_body = req.on_body;
    auto r = http_.perform(h, deadline);
    if (!r) {
        Error e = r.error();
        e.message = "docker engine " + endpoint_.display + ": " + req.method + " " + req.path + ": " + e.message;
        // curl reports the server's TLS alert as a receive error; retrying cannot fix a missing certificate.
        if (e.code == ErrorCode::Unreachable && (e.message.find("alert bad certificate") != std::string::npos ||
                                                 e.message.find("certificate required") != std::string::npos)) {
            e.code = ErrorCode::Auth;
            e.transient = false;
            e.message += " (the engine wants a client certificate it trusts: check tls.cert_file/key_file)";
        } else if (e.code == ErrorCode::Unreachable) {
            e.message += " (is dockerd running and the endpoint right?)";
        }
        return std::unexpected(std::move(e));
    }
    return EngineResponse{r->status, std::move(r->body)};
}

Result<std::unique_ptr<net::ByteStream>> EngineClient::open_stream(const Deadline& deadline) {
    const std::string where = "docker engine " + endpoint_.display;
    if (endpoint_.kind == Endpoint::Kind::Tcp) {
        if (!endpoint_.base_url.starts_with("https://"))
            return net::SocketStream::connect_tcp(endpoint_.host, endpoint_.port, where, deadline, net::OnAbort::Stop);
        return net::TlsStream::open({.host = endpoint_.host,
                                     .port = endpoint_.port,
                                     .tls = endpoint_.tls,
                                     .where = where,
                                     .ca_key = "the node's docker.tls.ca_file",
                                     .on_abort = net::OnAbort::Stop},
                                    deadline);
    }
    auto s = socket(deadline);
    if (!s) return std::unexpected(s.error().with_context(where + ": "));
    return net::SocketStream::connect_unix(*s, where);
}

Result<std::string> EngineClient::socket(const Deadline& deadline) {
    if (endpoint_.kind != Endpoint::Kind::Ssh) return endpoint_.socket_path;
    if (forward_ && forward_->alive()) return forward_->local_socket();
    forward_.reset();  // dropped connection: a new forward (and master, when needed)
    if (!ssh_) {
        auto t = ssh::SshTransport::shared(endpoint_.node, endpoint_.ssh, endpoint_.connect_timeout);
        if (!t) return std::unexpected(t.error());
        ssh_ = *t;
    }
    auto f = ssh::SshForward::open(*ssh_, endpoint_.socket_path, deadline);
    if (!f) return std::unexpected(f.error());
    forward_ = std::move(*f);
    return forward_->local_socket();
}

Result<Json> EngineClient::version_info(const Deadline& deadline) {
    if (!version_.is_null()) return version_;
    auto r = raw({.path = "/version"}, "/version", deadline);
    if (!r) return std::unexpected(r.error());
    if (r->status != 200) return std::unexpected(api_error(*r, "GET /version"));
    auto j = r->json();
    if (!j) return std::unexpected(j.error().with_context("docker engine " + endpoint_.display + ": GET /version: "));
    version_ = std::move(*j);
    return version_;
}

Result<std::string> EngineClient::api_version(const Deadline& deadline) {
    if (!api_.empty()) return api_;
    auto info = version_info(deadline);
    if (!info) return std::unexpected(info.error());
    auto v = negotiate_api_version(*info);
    if (!v) return std::unexpected(v.error().with_context("docker engine " + endpoint_.display + ": "));
    api_ = *v;
    return api_;
}

Result<EngineResponse> EngineClient::call(const EngineRequest& req, const Deadline& deadline) {
    auto v = api_version(deadline);
    if (!v) return std::unexpected(v.error());
    return raw(req, "/" + *v + req.path, deadline);
}

Error EngineClient::api_error(const EngineResponse& resp, std::string_view what) const {
    std::string msg = "docker engine " + endpoint_.display + ": " + std::string(what) + ": HTTP " +
                      std::to_string(resp.status) + ": " + engine_message(resp.body);
    ErrorCode code = ErrorCode::Remote;
    if (resp.status == 404) code = ErrorCode::NotFound;
    if (resp.status == 409) code = ErrorCode::Conflict;
    if (resp.status == 401 || resp.status == 403) code = ErrorCode::Auth;
    // 502/503/504 come from proxies or an engine that is shutting down: a retry can help.
    const bool transient = resp.status == 502 || resp.status == 503 || resp.status == 504;
    return {code, std::move(msg), transient};
}

}  // namespace ncbctl::docker
