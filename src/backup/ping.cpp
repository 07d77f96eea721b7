#include "backup/ping.hpp"

#include <chrono>

#include "net/http.hpp"
#include "util/redact.hpp"

namespace ncbctl::backup {

using namespace std::chrono_literals;

void add_ping_base(PingTargets& targets, const std::string& base) {
    std::string b = base;
    while (!b.empty() && b.back() == '/') b.pop_back();
    if (b.empty()) return;
    targets.start.push_back(b + "/start");
    targets.success.push_back(b);
    targets.failure.push_back(b + "/fail");
}

std::vector<std::string> send_pings(const PingTargets& targets, PingEvent event, const std::string& body) {
    const auto& urls = event == PingEvent::Start     ? targets.start
                       : event == PingEvent::Success ? targets.success
                                                     : targets.failure;
    std::vector<std::string> warnings;
    net::HttpClient http;
    for (const auto& url : urls) {
        net::HttpRequest req;
        req.url = url;
        if (event != PingEvent::Start) {
            req.method = "POST";
            req.body = body;
            req.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
        }
        req.follow_redirects = true;
        auto r = http.perform(req, Deadline::after(10s));
        if (!r)
            warnings.push_back("ping " + util::redact_url(url) + ": " + r.error().message);
        else if (r->status < 200 || r->status >= 300)
            warnings.push_back("ping " + util::redact_url(url) + ": HTTP " + std::to_string(r->status));
    }
    return warnings;
}

}  // namespace ncbctl::backup
