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
#include "ncbctl/traffic_setup.hpp"

namespace ncbctl::traffic {

// The request and outcome types are the port's (include/ncbctl/traffic_setup.hpp).
using SetupRequest = TrafficSetupRequest;
using SetupPiece = TrafficSetupPiece;
using SetupOutcome = TrafficSetupOutcome;

// Stands for the bypass secret in printed pieces (it matches nginx's value rules, so the piece still parses).
inline constexpr std::string_view kSecretPlaceholder = "NCBCTL-BYPASS-SECRET-NOT-SHOWN";

// `lb` runs on the LB host (local or traffic.via_node): reads and writes the nginx include there.
Result<SetupOutcome> set_up_traffic(const Inventory& inv, CommandRunner& lb, const SetupRequest& req,
                                    const Deadline& d);

}  // namespace ncbctl::traffic
