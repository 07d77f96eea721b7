#pragma once
// Healthchecks-style pings around a scheduled job: a monitor that stops hearing "success" alerts.
// Each URL of the event's list gets one request (GET for start, POST with the body for success and
// failure); a base URL given as `ping_url` expands to URL/start, URL and URL/fail.
// Failure semantics: a ping never fails the job; an unreachable URL or non-2xx answer is returned as a
// warning line with the URL redacted (ping URLs embed their check's secret).
#include <string>
#include <vector>

namespace ncbctl::backup {

enum class PingEvent { Start, Success, Failure };

struct PingTargets {
    std::vector<std::string> start, success, failure;
};

// Adds base, base/start and base/fail to the lists (trailing '/' of base ignored).
void add_ping_base(PingTargets& targets, const std::string& base);

// Sends the event's pings; returns one warning per failed URL.
std::vector<std::string> send_pings(const PingTargets& targets, PingEvent event, const std::string& body);

}  // namespace ncbctl::backup
