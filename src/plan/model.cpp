// Plan lookups, fingerprint and the command line a plan stands for.
#include "ncbctl/plan.hpp"
#include "plan/workflows.hpp"
#include "util/sha256.hpp"

namespace ncbctl {

const Phase* Plan::find_phase(std::string_view name) const {
    for (const auto& p : phases)
        if (p.name == name) return &p;
    return nullptr;
}

const Step* Plan::find_step(std::string_view id) const {
    for (const auto& p : phases)
        for (const auto& s : p.steps)
            if (s.id == id) return &s;
    return nullptr;
}

std::size_t Plan::step_count() const {
    std::size_t n = 0;
    for (const auto& p : phases) n += p.steps.size();
    return n;
}

namespace plan {

std::string plan_fingerprint(const std::string& inventory_hash, const std::string& workflow,
                             const std::map<std::string, std::string>& args) {
    // Length-prefixed fields: no two different inputs serialize alike.
    util::Sha256 h;
    auto field = [&h](std::string_view s) {
        h.update(std::to_string(s.size()));
        h.update(":");
        h.update(s);
    };
    field("ncbctl-plan-v1");
    field(inventory_hash);
    field(workflow);
    for (const auto& [k, v] : args) {
        field(k);
        field(v);
    }
    return h.hex_digest();
}

std::string command_line(const std::string& workflow, const std::map<std::string, std::string>& args) {
    std::string out = workflow;
    for (const auto& [k, v] : args) {
        // Keyed args ("file:PLUGIN") read as the flag that set them; the key is in another arg already.
        out += " --" + k.substr(0, k.find(':'));
        if (v != "true") out += " " + v;
    }
    return out;
}

}  // namespace plan
}  // namespace ncbctl
