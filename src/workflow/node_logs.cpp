// A node that does not come up: its service's own log is where the cause is (a migration that failed, a
// missing env var, a port in use), so ncbctl shows its last lines right there instead of leaving the operator
// to find the node, the driver and the log command. Never fails the step it explains.
#include <algorithm>

#include "ncbctl/cancel.hpp"
#include "util/log_excerpt.hpp"
#include "workflow/cluster_runner.hpp"
#include "workflow/progress.hpp"

namespace ncbctl::workflow {

namespace {
// 30 lines shown, out of the last 300: runs of look-alike lines (NocoBase logs one per readiness poll) are
// shown once with their count, so the cause further up still makes it in.
constexpr int kLogLines = 30;
constexpr int kLogLinesRead = 300;
}  // namespace

void ClusterRunner::show_logs(const Node& node, EventSink& events, NodeDriver* locked) {
    if (abort_requested()) return;
    Result<std::string> text = [&]() -> Result<std::string> {
        const Deadline d = Deadline::after(std::chrono::seconds(15));
        if (locked != nullptr) return locked->logs(kLogLinesRead, d);
        auto s = slot(node);
        if (!s) return fail(s.error());
        std::lock_guard lock((*s)->mu);
        return (*s)->driver->logs(kLogLinesRead, d);
    }();
    if (text) *text = util::collapse_similar(*text, kLogLines);
    const std::string who = "node " + node.name + ": ";
    if (!text) {
        if (text.error().code != ErrorCode::Unsupported)
            progress(events, who + "cannot read its service log: " + text.error().message);
        return;
    }
    if (text->empty()) return progress(events, who + "its service log is empty");
    std::string shown = who + "the last lines of its service log:\n  | ";
    for (char c : *text) shown += c == '\n' ? std::string("\n  | ") : std::string(1, c);
    progress(events, std::move(shown),
             {{"log_lines", std::to_string(std::count(text->begin(), text->end(), '\n') + 1)}});
}

}  // namespace ncbctl::workflow
