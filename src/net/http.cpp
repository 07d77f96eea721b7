#include "net/http.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <mutex>

#include "ncbctl/cancel.hpp"
#include "util/redact.hpp"

namespace ncbctl::net {
namespace {

void global_init_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
    void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
struct MimeDeleter {
    void operator()(curl_mime* m) const noexcept { curl_mime_free(m); }
};
struct FileDeleter {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

struct Transfer {
    const HttpRequest* req = nullptr;
    HttpResponse* resp = nullptr;
    bool too_large = false;
    bool aborted_by_callback = false;
};

size_t on_write(char* data, size_t size, size_t nmemb, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * nmemb;
    t->resp->bytes += n;
    if (t->req->on_body) {
        if (!t->req->on_body(std::string_view(data, n))) {
            t->aborted_by_callback = true;
            return 0;
        }
        return n;
    }
    if (t->resp->body.size() + n > t->req->max_body) {
        t->too_large = true;
        return 0;
    }
    t->resp->body.append(data, n);
    return n;
}

size_t on_header(char* data, size_t size, size_t nitems, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * nitems;
    std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {
        t->resp->headers.clear();  // a new response (redirect, 100-continue)
        return n;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
        value.remove_suffix(1);
    t->resp->headers[name] = std::string(value);
    return n;
}

int on_progress(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return abort_requested() ? 1 : 0;  // a second Ctrl-C aborts transfers in flight
}

size_t on_read(char* buffer, size_t size, size_t nitems, void* user) {
    return std::fread(buffer, size, nitems, static_cast<std::FILE*>(user));
}

Error classify(CURLcode rc, const HttpRequest& req, const char* errbuf) {
    std::string where = util::redact_url(req.url);
    if (!req.unix_socket.empty()) where += " (via " + req.unix_socket + ")";
    std::string detail = (errbuf && *errbuf) ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    switch (rc) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE:
            return {ErrorCode::Unreachable, where + ": " + detail, true};
        case CURLE_OPERATION_TIMEDOUT:
            return {ErrorCode::Timeout, where + ": " + detail, true};
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE:
            return {ErrorCode::Auth, where + ": TLS: " + detail, false};
        case CURLE_ABORTED_BY_CALLBACK:
            return {ErrorCode::Cancelled, where + ": interrupted", false};
        case CURLE_READ_ERROR:
        case CURLE_FILE_COULDNT_READ_FILE:
            return {ErrorCode::Io, where + ": " + detail, false};
        default:
            return {ErrorCode::Protocol, where + ": " + detail, false};
    }
}

}  // namespace

struct HttpClient::Impl {
    std::unique_ptr<CURL, CurlDeleter> handle;
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {
    global_init_once();
    impl_->handle.reset(curl_easy_init());
}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

std::string HttpResponse::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

Result<HttpResponse> HttpClient::perform(const HttpRequest& req, const Deadline& deadline) {
    CURL* h = impl_->handle.get();
    if (h == nullptr) return fail(ErrorCode::Internal, "curl_easy_init failed");
    if (deadline.expired()) return fail(ErrorCode::Timeout, util::redact_url(req.url) + ": deadline passed", true);
    curl_easy_reset(h);

    HttpResponse resp;
    Transfer t{&req, &resp};
    char errbuf[CURL_ERROR_SIZE] = {0};
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    std::unique_ptr<curl_mime, MimeDeleter> mime;
    std::unique_ptr<std::FILE, FileDeleter> upload;

    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, req.follow_redirects ? 1L : 0L);
    if (req.buffer_size > 0) curl_easy_setopt(h, CURLOPT_BUFFERSIZE, req.buffer_size);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "ncbctl/" NCBCTL_VERSION);

    const auto remaining = deadline.remaining();
    if (remaining != Duration::max()) {
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long long>(1, remaining.count())));
    }
    auto connect_ms = std::min(req.connect_timeout, remaining).count();
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::max<long long>(1, connect_ms)));

    if (!req.unix_socket.empty()) curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, req.unix_socket.c_str());
    if (!req.tls.verify) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!req.tls.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, req.tls.ca_file.c_str());
    if (!req.tls.cert_file.empty()) curl_easy_setopt(h, CURLOPT_SSLCERT, req.tls.cert_file.c_str());
    if (!req.tls.key_file.empty()) curl_easy_setopt(h, CURLOPT_SSLKEY, req.tls.key_file.c_str());

    curl_slist* raw_headers = nullptr;
    for (const auto& [k, v] : req.headers) raw_headers = curl_slist_append(raw_headers, (k + ": " + v).c_str());
    // No "Expect: 100-continue" round trip: send each request in one go.
    raw_headers = curl_slist_append(raw_headers, "Expect:");
    headers.reset(raw_headers);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());

    if (!req.multipart.empty() || !req.form_fields.empty()) {
        mime.reset(curl_mime_init(h));
        for (const auto& [k, v] : req.form_fields) {
            curl_mimepart* part = curl_mime_addpart(mime.get());
            curl_mime_name(part, k.c_str());
            curl_mime_data(part, v.c_str(), CURL_ZERO_TERMINATED);
        }
        for (const auto& f : req.multipart) {
            curl_mimepart* part = curl_mime_addpart(mime.get());
            curl_mime_name(part, f.field.c_str());
            if (curl_mime_filedata(part, f.path.c_str()) != CURLE_OK)
                return fail(ErrorCode::Io, "cannot read " + f.path + " for upload");
            if (!f.file_name.empty()) curl_mime_filename(part, f.file_name.c_str());
            curl_mime_type(part, f.content_type.c_str());
        }
        curl_easy_setopt(h, CURLOPT_MIMEPOST, mime.get());
    } else if (!req.body_file.empty()) {
        upload.reset(std::fopen(req.body_file.c_str(), "rb"));
        if (!upload) return fail(ErrorCode::Io, "cannot open " + req.body_file + " for upload");
        std::fseek(upload.get(), 0, SEEK_END);
        const long size = std::ftell(upload.get());
        std::fseek(upload.get(), 0, SEEK_SET);
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, upload.get());
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
    } else if (!req.body.empty() || req.method == "POST") {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.c_str());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
    if (req.method == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (req.method != "GET" && req.method != "POST") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    } else if (req.method == "POST" && !req.body_file.empty()) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST");
    }

    const CURLcode rc = curl_easy_perform(h);
    if (t.too_large)
        return fail(ErrorCode::Protocol,
                    util::redact_url(req.url) + ": response larger than " + std::to_string(req.max_body) + " bytes");
    if (t.aborted_by_callback) return fail(ErrorCode::Io, util::redact_url(req.url) + ": transfer aborted by receiver");
    if (rc != CURLE_OK) return std::unexpected(classify(rc, req, errbuf));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &resp.seconds);
    return resp;
}

std::string url_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
        }
    }
    return out;
}

}  // namespace ncbctl::net
