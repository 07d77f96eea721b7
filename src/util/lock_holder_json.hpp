#pragma once
// A lock holder as every lock backend stores it (the local lock.json, a node's holder.json): one JSON
// object. Read leniently: a field of the wrong type or out of range reads as empty or 0 (a holder whose pid
// is 0 is not alive), never as an exception or undefined behaviour.
#include <nlohmann/json.hpp>

#include "ncbctl/lock.hpp"
#include "util/json_int.hpp"
#include "util/quote.hpp"
#include "util/run_id.hpp"

namespace ncbctl::util {

inline nlohmann::json holder_to_json(const LockHolder& h) {
    return {{"run_id", h.run_id}, {"command", h.command}, {"user", h.user},          {"host", h.host},
            {"pid", h.pid},       {"started", h.started}, {"heartbeat", h.heartbeat}};
}

inline LockHolder holder_from_json(const nlohmann::json& j) {
    LockHolder h;
    h.run_id = json_string_or(j, "run_id");
    h.command = json_string_or(j, "command");
    h.user = json_string_or(j, "user");
    h.host = json_string_or(j, "host");
    h.pid = json_int_or(j, "pid", 0);
    h.started = json_int_or(j, "started", 0);
    h.heartbeat = json_int_or(j, "heartbeat", 0);
    return h;
}

// A holder read from a file or a Redis value is input: an id of another shape (hand-edited, `../x`, escape
// sequences) is never taken as a run's. The holder reads as unknown (never broken as stale, shown escaped,
// `lock release --force` clears it).
inline LockHolder holder_with_checked_run_id(LockHolder h, std::string_view where) {
    if (!is_run_id(h.run_id)) {
        h.command = "(" + std::string(where) + " names no valid run: " + quote(h.run_id.substr(0, 64)) + ")";
        h.run_id = "unknown";
    }
    return h;
}

}  // namespace ncbctl::util
