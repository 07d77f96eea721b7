#pragma once
// The one JSON form of an event (schema v1, docs/events.md): journal lines and `--output json` NDJSON.
#include <nlohmann/json.hpp>

#include "ncbctl/events.hpp"

namespace ncbctl::run {

nlohmann::json event_to_json(const Event& e);
// One NDJSON line (with its '\n') for the journal and `--output json`: event_to_json's document, except that a
// run.started plan is written as text step by step (plan::to_json_text), never as one DOM.
std::string event_to_line(const Event& e);
Result<EventKind> event_kind_from(std::string_view type);

}  // namespace ncbctl::run
