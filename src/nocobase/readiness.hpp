#pragma once
// Pure classification of a node's answers to /api/__health_check and /api/app:getInfo into an
// AppStatus (table in docs/nocobase-client.md). No I/O: the client feeds it what the wire gave.
// Never fails: whatever cannot be recognised is AppPhase::Unknown with the raw answer, truncated.
#include <optional>
#include <string>
#include <string_view>

#include "ncbctl/app_client.hpp"
#include "ncbctl/error.hpp"

namespace ncbctl::nocobase {

// One HTTP answer as seen by the client: either a transport error or a status + body.
struct ProbeAnswer {
    std::optional<Error> transport;  // set when no HTTP answer came (refused, reset, timeout, TLS)
    long status = 0;
    std::string content_type;
    std::string body;
};

// Classifies a single answer (health or getInfo). A 200 here means only "this endpoint is fine";
// use classify_node() for the Ready decision.
AppStatus classify_answer(const ProbeAnswer& answer);

// The node's phase from both answers. Ready needs health 200 "ok" AND getInfo 200 with data.version;
// getInfo is consulted only when health says ok (it is the signal that flips first on pm:enable).
AppStatus classify_node(const ProbeAnswer& health, const std::optional<ProbeAnswer>& info);

// Terminal phases make wait_ready give up at once.
bool is_terminal(AppPhase phase) noexcept;

// "{"error":...}" or "{"errors":[...]}" -> "CODE: message" for error messages; raw text otherwise
// (truncated). Used to surface the app's own words verbatim.
std::string app_error_text(std::string_view body);

// Truncates to `max` bytes on a UTF-8 boundary, marking the cut; control characters become spaces.
std::string printable(std::string_view text, std::size_t max = 300);

}  // namespace ncbctl::nocobase
