#pragma once
// Plans as a readable runbook (text) and as JSON (`ncbctl plan --output json`, the journal's run.started).
#include <nlohmann/json.hpp>

#include <string>

#include "ncbctl/error.hpp"
#include "ncbctl/plan.hpp"

namespace ncbctl::plan {

std::string render_text(const Plan& plan);
nlohmann::json to_json(const Plan& plan);
// The same document as text, built step by step: never the whole plan as a DOM (the journal's run.started line
// of a 1000-node plan is 1.3 MB of text but was 12 MB as a DOM). parse(to_json_text(p)) == to_json(p).
std::string to_json_text(const Plan& plan);
Result<Plan> plan_from_json(const nlohmann::json& j);  // Protocol error when malformed
std::string format_duration(Duration d);               // "90s", "10m", "1h30m", "250ms"

}  // namespace ncbctl::plan
