#pragma once
// HTTP over libcurl: the only place that includes curl. One HttpClient owns one CURL easy handle and
// reuses its connection (keep-alive), so polling a node costs no process and no new TCP handshake.
// Failure semantics: transport problems come back as Error (Unreachable/Timeout are transient);
// any HTTP status, 4xx/5xx included, is a successful HttpResponse for the caller to interpret.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"

namespace ncbctl::net {

struct MultipartFile {
    std::string field;      // form field name, e.g. "file"
    std::string path;       // local file streamed from disk
    std::string file_name;  // name sent to the server
    std::string content_type = "application/octet-stream";
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;  // absolute URL; for unix sockets any host works, e.g. http://docker/v1.41/_ping
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;                                              // sent as is (one write with the headers when small)
    std::string body_file;                                         // or: stream the request body from this file
    std::vector<MultipartFile> multipart;                          // or: multipart/form-data upload
    std::vector<std::pair<std::string, std::string>> form_fields;  // extra multipart fields
    std::string unix_socket;                                       // CURLOPT_UNIX_SOCKET_PATH
    TlsOptions tls;
    Duration connect_timeout{5000};
    // When set, the response body is handed over chunk by chunk instead of being collected;
    // return false to abort the transfer (reported as ErrorCode::Io).
    std::function<bool(std::string_view)> on_body;
    std::size_t max_body = 64U * 1024U * 1024U;  // collected bodies are capped (Protocol error past it)
    bool follow_redirects = false;
    long buffer_size = 0;  // CURLOPT_BUFFERSIZE for bulk downloads (fewer wakeups); 0 = libcurl's 16 KiB
};

struct HttpResponse {
    long status = 0;
    std::string body;                            // empty when on_body streamed it
    std::map<std::string, std::string> headers;  // lower-case names; last value wins
    double seconds = 0;                          // total transfer time
    std::uint64_t bytes = 0;                     // body bytes received
    [[nodiscard]] std::string header(const std::string& lower_name) const;
};

class HttpClient {
public:
    HttpClient();
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    HttpClient(HttpClient&&) noexcept;
    HttpClient& operator=(HttpClient&&) noexcept;

    Result<HttpResponse> perform(const HttpRequest& req, const Deadline& deadline);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

std::string url_encode(std::string_view s);

}  // namespace ncbctl::net
