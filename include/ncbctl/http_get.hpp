#pragma once
// One HTTP GET as a client sees it, for the checks that prove a switch or an upgrade from outside: the
// load-balanced URL after a traffic switch, the inventory's http checks on a node or through the LB.
// Failure semantics: a transport error or timeout is an Error (Unreachable / Timeout, transient); any HTTP
// status is an answer.
#include <functional>
#include <string>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"

namespace ncbctl {

struct HttpAnswer {
    long status = 0;
    std::string body;
    std::string retry_after;  // the Retry-After header, "" when absent
};

using HttpGet = std::function<Result<HttpAnswer>(const std::string& url, const TlsOptions& tls, const Deadline&)>;

}  // namespace ncbctl
