#pragma once
// `ncbctl traffic setup`: from the inventory, what the load balancer needs before ncbctl can drive it.
// nginx: ncbctl's include file in its live variant (written with `write`, so nginx can start before the
// first switch) and the server block the operator pastes; HAProxy: the global socket line, the frontend
// (bypass ACL), the backend with NocoBase's readiness check and the 503 errorfile, all printed. Only a file
// ncbctl owns is ever written, and never over a file without ncbctl's marker line.
// Failure semantics: Usage for a driver without generated set-up, an unknown part, or `write` where ncbctl
// owns no file (HAProxy); Conflict when the include exists and is not ncbctl's (left untouched); the
// runner's or the generators' errors otherwise. Nothing is written unless every piece rendered.
#include <string>
#include <vector>

#include "ncbctl/command_runner.hpp"
#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"

namespace ncbctl::traffic {

struct SetupRequest {
    bool write = false;  // nginx: write the include (and its page) when missing
    std::string part;    // only this piece (empty: all)
    std::string errorfile = "/etc/haproxy/errors/ncbctl-maintenance.http";  // HAProxy: where the 503 goes
};

struct SetupPiece {
    std::string name;     // include | server (nginx); global | frontend | backend | errorfile (HAProxy)
    std::string where;    // where it goes, for the operator
    std::string content;  // the text; a bypass secret appears as kSecretPlaceholder, never its value
};

struct SetupOutcome {
    std::vector<SetupPiece> pieces;
    std::vector<std::string> notes;  // what was written or left, and the next steps (stderr lines)
    bool wrote = false;
};

// Stands for the bypass secret in printed pieces (it matches nginx's value rules, so the piece still parses).
inline constexpr std::string_view kSecretPlaceholder = "NCBCTL-BYPASS-SECRET-NOT-SHOWN";

// `lb` runs on the LB host (local or traffic.via_node): reads and writes the nginx include there.
Result<SetupOutcome> set_up_traffic(const Inventory& inv, CommandRunner& lb, const SetupRequest& req,
                                    const Deadline& d);

}  // namespace ncbctl::traffic
