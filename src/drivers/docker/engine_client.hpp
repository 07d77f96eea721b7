#pragma once
// A Docker Engine API client over net::HttpClient: endpoint parsing (unix://, tcp:// with optional TLS
// client certificates, ssh:// through a managed `ssh -N -L` socket forward), API version negotiation from
// GET /version, and the engine's JSON error bodies turned into one-line Errors.
// Failure semantics: transport problems are transient Unreachable/Timeout Errors naming the endpoint; any
// HTTP answer is an EngineResponse for the caller, which turns unexpected statuses into Errors with
// api_error(). Nothing here logs a request body or a header value (X-Registry-Auth travels in headers).
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"
#include "net/byte_stream.hpp"
#include "net/http.hpp"

namespace ncbctl::ssh {
class SshTransport;
class SshForward;
}  // namespace ncbctl::ssh

namespace ncbctl::docker {

using Json = nlohmann::json;

struct Endpoint {
    enum class Kind { Unix, Tcp, Ssh };
    Kind kind = Kind::Unix;
    std::string display;      // the endpoint as configured, for messages
    std::string socket_path;  // Unix: the engine socket
    std::string base_url;     // Tcp: http(s)://host:port ; Unix/Ssh: http://docker
    std::string host;         // Tcp: the host (no brackets) and port of base_url
    int port = 0;
    TlsOptions tls;    // Tcp with TLS (https base_url)
    SshTarget ssh;     // Ssh: the host whose engine socket (socket_path) is forwarded
    std::string node;  // Ssh: the node the SSH transport belongs to
    Duration connect_timeout{10000};
};

// unix:///run/docker.sock | tcp://host:2376 (https when a CA or client certificate is configured) |
// ssh://user@host[:port] (host/user/port taken from the URL unless node.ssh already names a host; the
// engine socket on that host is node.socket_path, reached through `ssh -N -L`, reopened when it dies).
// Error Inventory when the endpoint cannot be understood.
Result<Endpoint> parse_endpoint(const DockerNode& node);

// The API versions this client speaks: every call it makes exists in v1.25 (HostConfig.Init) and later.
inline constexpr int kMinApiMinor = 25;
inline constexpr int kMaxApiMinor = 43;

// Picks min(server's ApiVersion, our max) from a GET /version body; Error Unsupported when the server is
// older than kMinApiMinor or its MinAPIVersion is newer than our max.
Result<std::string> negotiate_api_version(const Json& version_body);

struct EngineResponse {
    long status = 0;
    std::string body;
    [[nodiscard]] Result<Json> json() const;  // Protocol error on a body that is not JSON
};

struct EngineRequest {
    std::string method = "GET";
    std::string path;  // without the version prefix, e.g. /containers/x/json
    std::string body;  // JSON (or tar when content_type says so)
    std::string body_file;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;  // values never logged
    std::function<bool(std::string_view)> on_body;             // streaming answers (pull, exec, import)
};

class EngineClient {
public:
    explicit EngineClient(Endpoint endpoint);
    ~EngineClient();
    EngineClient(const EngineClient&) = delete;
    EngineClient& operator=(const EngineClient&) = delete;

    // GET /version once per client (cached); the version prefix for every later call.
    Result<std::string> api_version(const Deadline& deadline);
    Result<Json> version_info(const Deadline& deadline);

    // Sends a versioned request (negotiating first when needed).
    Result<EngineResponse> call(const EngineRequest& req, const Deadline& deadline);
    Result<EngineResponse> get(const std::string& path, const Deadline& deadline) {
        return call({.path = path}, deadline);
    }
    Result<EngineResponse> post(const std::string& path, std::string body, const Deadline& deadline) {
        return call({.method = "POST", .path = path, .body = std::move(body)}, deadline);
    }

    // "docker engine unix:///x: POST /containers/n1/start: HTTP 404: No such container: n1" as one line.
    // NotFound for 404, Conflict for 409, Remote otherwise; transient only for 5xx that say so (never 4xx).
    [[nodiscard]] Error api_error(const EngineResponse& resp, std::string_view what) const;
    [[nodiscard]] const Endpoint& endpoint() const { return endpoint_; }
    // A raw connection to the engine, for a hijacked exec (stdin streamed in): the unix socket (unix://, or
    // the ssh:// forward, opened when needed), TCP for tcp://, and TLS over it for tcp:// with TLS, with the
    // CA, client certificate and verify setting libcurl gets for every other call. Bounded by the deadline,
    // ended by abort (second Ctrl-C); errors name the endpoint.
    Result<std::unique_ptr<net::ByteStream>> open_stream(const Deadline& deadline);

private:
    Result<std::string> socket(const Deadline& deadline);  // the unix socket to use (opens the ssh forward)
    Result<EngineResponse> raw(const EngineRequest& req, const std::string& full_path, const Deadline& deadline);

    Endpoint endpoint_;
    net::HttpClient http_;
    std::string api_;  // "v1.41" once negotiated
    Json version_;
    std::shared_ptr<ssh::SshTransport> ssh_;  // ssh:// only: shared ControlMaster of the host
    std::unique_ptr<ssh::SshForward> forward_;
};

// The engine's {"message": "..."} (or the raw body) flattened to one line of at most 300 characters.
std::string engine_message(std::string_view body);

}  // namespace ncbctl::docker
