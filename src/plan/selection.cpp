// --only-phase / --from-phase / --until-phase with the workflow's safety rules (Phase::needs).
#include "plan/selection.hpp"
#include "util/quote.hpp"

#include "plan/workflows.hpp"

namespace ncbctl::plan {
namespace {

std::string phase_list(const Plan& plan) {
    std::string out;
    for (const auto& p : plan.phases) out += (out.empty() ? "" : ", ") + p.name;
    return out;
}

Result<std::size_t> index_of(const Plan& plan, const std::string& flag, const std::string& name) {
    for (std::size_t i = 0; i < plan.phases.size(); ++i)
        if (plan.phases[i].name == name) return i;
    return fail(ErrorCode::Usage, "--" + flag + " " + util::quote(name) + ": " + plan.workflow +
                                      " has no such phase (" + phase_list(plan) + ")");
}

}  // namespace

Result<Plan> select_phases(const Plan& plan, const PhaseSelection& sel, const std::set<std::string>& satisfied) {
    if (sel.empty()) return plan;
    if (!sel.only.empty() && (!sel.from.empty() || !sel.until.empty()))
        return fail(ErrorCode::Usage, "--only-phase cannot be combined with --from-phase or --until-phase");
    std::size_t first = 0;
    std::size_t last = plan.phases.size() - 1;
    if (!sel.only.empty()) {
        auto i = index_of(plan, "only-phase", sel.only);
        if (!i) return fail(i.error());
        first = last = *i;
    }
    if (!sel.from.empty()) {
        auto i = index_of(plan, "from-phase", sel.from);
        if (!i) return fail(i.error());
        first = *i;
    }
    if (!sel.until.empty()) {
        auto i = index_of(plan, "until-phase", sel.until);
        if (!i) return fail(i.error());
        last = *i;
    }
    if (first > last)
        return fail(ErrorCode::Usage, "--from-phase " + sel.from + " comes after --until-phase " + sel.until +
                                          " (order: " + phase_list(plan) + ")");

    Plan out = plan;
    out.phases.clear();
    std::set<std::string> done = satisfied;
    for (std::size_t i = 0; i < plan.phases.size(); ++i) {
        const Phase& p = plan.phases[i];
        if (!p.always && (i < first || i > last)) continue;
        for (const auto& need : p.needs) {
            if (done.contains(need)) continue;
            return fail(ErrorCode::Usage,
                        "refusing to run phase '" + p.name + "' of " + plan.workflow + ": it needs phase '" + need +
                            "' to have succeeded first, in this run or an earlier run of the same plan; start with "
                            "--from-phase " +
                            need + " (or run it first)");
        }
        done.insert(p.name);
        out.phases.push_back(p);
    }
    if (!sel.only.empty()) out.args["only-phase"] = sel.only;
    if (!sel.from.empty()) out.args["from-phase"] = sel.from;
    if (!sel.until.empty()) out.args["until-phase"] = sel.until;
    out.fingerprint = plan_fingerprint(out.inventory_hash, out.workflow, out.args);
    return out;
}

}  // namespace ncbctl::plan
