// backup.in_window: clone (docs/backup.md, "In-window clone"): the preflight of the copy, the copy made and
// verified inside the window, its swap back on rollback, the durable dump taken from it once traffic is live,
// and its drop once that dump re-verifies. The copy's name comes from the run id, so a resumed process finds
// the same copy; no handler here drops a copy unless a verified dump of it exists.
#include "ncbctl/actions.hpp"
#include "workflow/cluster_runner.hpp"
#include "workflow/progress.hpp"
#include "workflow/state_files.hpp"

namespace ncbctl::workflow {

std::pair<std::string, std::string> ClusterRunner::clone_names(const Call& c) const {
    // An undo gets the names its step recorded; `ncbctl rollback RUN` passes them as parameters.
    std::string copy = param(c.done, "copy"), failed = param(c.done, "failed");
    if (copy.empty()) copy = param(c.step.params, "copy");
    if (failed.empty()) failed = param(c.step.params, "failed");
    if (copy.empty() || failed.empty()) {
        auto n = ports_.clone_names(run_id());
        if (copy.empty()) copy = n.first;
        if (failed.empty()) failed = n.second;
    }
    return {copy, failed};
}

Result<StepResult> ClusterRunner::clone_check(const std::string&, const Call& c) {
    const auto [copy, failed] = clone_names(c);
    auto r = ports_.clone_check(copy, failed, c.deadline);
    if (!r) return fail(r.error());
    StepResult out;
    out.details = {{"copy", copy}, {"failed", failed}, {"summary", *r}};
    return out;
}

Result<StepResult> ClusterRunner::backup_clone(const std::string&, const Call& c) {
    const auto [copy, failed] = clone_names(c);
    auto r = ports_.database_clone(copy, c.deadline);
    if (!r) return fail(r.error());
    StepResult out;
    out.details = *r;
    out.details["copy"] = copy;
    out.details["failed"] = failed;
    out.details["database"] = inv_.database.name;
    progress(c.events, "copy " + copy + " of " + inv_.database.name + " verified (" + param(*r, "verified") + ") in " +
                           param(*r, "seconds") + "s" + (param(*r, "reused") == "true" ? ", kept from before" : ""));
    return out;
}

Result<StepResult> ClusterRunner::backup_swap(const std::string&, const Call& c) {
    const auto [copy, failed] = clone_names(c);
    progress(c.events, "swapping copy " + copy + " back in place of " + inv_.database.name);
    auto r = ports_.clone_swap(copy, failed, c.deadline);
    if (!r) return fail(r.error());
    StepResult out;
    out.details = *r;
    out.details["restored_from"] = copy;
    out.details["failed_database"] = failed;
    // The failed upgrade's database is kept for inspection: say where, and how to drop it.
    progress(c.events,
             inv_.database.name + " is the pre-upgrade copy again (" +
                 (param(*r, "already") == "true" ? "swapped before a resume" : param(*r, "seconds") + "s") +
                 "); the failed database is kept as " + failed + " (drop it when done: psql -d postgres -c 'DROP " +
                 "DATABASE \"" + failed + "\"')",
             out.details);
    return out;
}

Result<StepResult> ClusterRunner::backup_dump_copy(const std::string&, const Call& c) {
    const auto [copy, failed] = clone_names(c);
    // A resume after the copy was dropped: the dump it recorded stands.
    const std::string recorded = read_small_file(state_file("clone-dump"));
    auto exists = ports_.database_exists(copy, c.deadline);
    if (!exists) return fail(exists.error());
    if (!*exists) {
        if (recorded.empty())
            return fail(ErrorCode::NotFound, "the in-window copy " + copy +
                                                 " is gone and no dump of it was taken: this run has no backup "
                                                 "(take one now: ncbctl backup run)");
        auto v = ports_.dump_verify(recorded, c.deadline);
        if (!v) return fail(v.error());
        StepResult out;
        out.details = *v;
        out.details["dumped_from"] = copy;
        return out;
    }
    progress(c.events, "dumping copy " + copy + " (traffic is live)");
    auto r = ports_.database_dump_copy(inv_.cluster + "-" + utc_stamp(), copy, c.deadline);
    if (!r) return fail(r.error());
    if (auto w = write_small_file(state_file("clone-dump"), param(*r, "path")); !w) return fail(w.error());
    StepResult out;
    out.details = *r;
    progress(c.events, "backup " + param(*r, "path") + " sha256 " + param(*r, "sha256").substr(0, 12) +
                           "… verified, from copy " + copy + " in " + param(*r, "seconds") + "s");
    return out;
}

Result<StepResult> ClusterRunner::backup_drop_copy(const std::string&, const Call& c) {
    const auto [copy, failed] = clone_names(c);
    auto exists = ports_.database_exists(copy, c.deadline);
    if (!exists) return fail(exists.error());
    StepResult out;
    out.details = {{"copy", copy}};
    if (!*exists) {
        out.details["dropped"] = "already";
        return out;
    }
    // The copy is the run's only backup until its dump proves intact again: re-read, hash, list.
    const std::string dump = read_small_file(state_file("clone-dump"));
    if (dump.empty())
        return fail(ErrorCode::Verification,
                    "no verified dump of copy " + copy + " recorded: keeping it (ncbctl resume takes the dump)");
    auto v = ports_.dump_verify(dump, c.deadline);
    if (!v) return fail(v.error().with_context("keeping copy " + copy + ": "));
    if (auto st = ports_.database_drop(copy, c.deadline); !st) return fail(st.error());
    out.details["dropped"] = "true";
    out.details["dump"] = dump;
    progress(c.events, "copy " + copy + " dropped; the run's backup is " + dump);
    return out;
}

}  // namespace ncbctl::workflow
