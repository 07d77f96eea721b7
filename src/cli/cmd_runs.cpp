// `ncbctl runs list` / `ncbctl runs show RUN`: the journals of a cluster's runs, as text or JSON.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <ctime>
#include <iostream>
#include <memory>

#include "cli/context.hpp"
#include "cli/run_options.hpp"
#include "plan/render.hpp"
#include "run/journal.hpp"
#include "run/timeline.hpp"
#include "util/quote.hpp"
#include "util/utc_time.hpp"

namespace ncbctl::cli {
namespace {

std::string utc(std::int64_t ms) {
    return util::format_utc(ms / 1000, "%Y-%m-%d %H:%M:%S");
}

std::string_view state_name(StepState s) {
    switch (s) {
        case StepState::Pending:
            return "pending";
        case StepState::InFlight:
            return "in-flight";
        case StepState::Ok:
            return "ok";
        case StepState::Failed:
            return "failed";
        case StepState::Undone:
            return "undone";
    }
    return "pending";
}

nlohmann::json summary_json(const RunRecord& r) {
    return {{"run_id", r.run_id},
            {"started_ms", r.started_ms},
            {"last_event_ms", r.last_event_ms},
            {"command", r.command},
            {"workflow", r.workflow},
            {"result", r.result},
            {"exit_code", r.exit_code},
            {"resumable", r.resumable()},
            {"sessions", r.sessions},
            {"inventory_hash", r.inventory_hash},
            {"fingerprint", r.fingerprint},
            {"ncbctl_version", r.ncbctl_version}};
}

nlohmann::json spans_json(const std::vector<run::TimelineSpan>& spans, std::int64_t t0) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : spans)
        out.push_back({{"start_ms", s.start_ms - t0}, {"end_ms", s.end_ms - t0}, {"result", s.result}});
    return out;
}

// The timeline's data, times relative to the run's start: what the text picture draws.
nlohmann::json timeline_json(const run::Timeline& t) {
    nlohmann::json phases = nlohmann::json::array();
    for (const auto& r : t.phases)
        phases.push_back({{"name", r.name}, {"undone", r.undone}, {"spans", spans_json(r.spans, t.start_ms)}});
    return {{"duration_ms", t.end_ms - t.start_ms},
            {"phases", std::move(phases)},
            {"undo", spans_json(t.undo, t.start_ms)},
            {"window_503", spans_json(t.window, t.start_ms)}};
}

// --state-dir alone is enough to read journals; otherwise the inventory names the cluster.
std::optional<std::string> state_dir(const Context& ctx) {
    if (!ctx.opts.state_dir.empty()) return ctx.opts.state_dir;
    auto inv = ctx.load();
    if (!inv) return std::nullopt;
    return ctx.state_dir_for(inv->cluster);
}

ExitCode list(const Context& ctx) {
    auto dir = state_dir(ctx);
    if (!dir) return ExitCode::Usage;
    auto runs = list_runs(*dir);
    if (ctx.format() == OutputFormat::Json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& r : runs) out.push_back(summary_json(r));
        std::cout << out.dump(2) << '\n';
        return ExitCode::Ok;
    }
    if (runs.empty()) {
        std::cout << "no runs in " << runs_dir(*dir) << '\n';
        return ExitCode::Ok;
    }
    std::cout << fmt::format("{:<24} {:<19}  {:<12} {:>4}  {}\n", "RUN", "STARTED (UTC)", "RESULT", "EXIT", "COMMAND");
    for (const auto& r : runs)
        std::cout << fmt::format("{:<24} {:<19}  {:<12} {:>4}  {}{}\n", r.run_id, utc(r.started_ms),
                                 util::quote(r.result),
                                 r.exit_code < 0 ? std::string("-") : std::to_string(r.exit_code),
                                 util::quote(r.command), r.resumable() && !r.finished ? "  (resumable)" : "");
    return ExitCode::Ok;
}

ExitCode show(const Context& ctx, const std::string& run_id) {
    auto dir = state_dir(ctx);
    if (!dir) return ExitCode::Usage;
    auto rec = read_journal(journal_path(*dir, run_id));
    if (!rec) {
        std::cerr << "ncbctl: no run " << run_id << " in " << runs_dir(*dir)
                  << " (see `ncbctl runs list`): " << rec.error().message << '\n';
        return ExitCode::Usage;
    }
    if (ctx.format() == OutputFormat::Json) {
        auto out = summary_json(*rec);
        out["phases_ok"] = rec->phases_ok;
        nlohmann::json steps = nlohmann::json::array();
        if (rec->plan)
            for (const auto& ph : rec->plan->phases)
                for (const auto& s : ph.steps) {
                    StepRecord sr;
                    if (auto it = rec->steps.find(s.id); it != rec->steps.end()) sr = it->second;
                    nlohmann::json js{{"id", s.id},
                                      {"phase", ph.name},
                                      {"target", s.target},
                                      {"action", s.action},
                                      {"state", state_name(sr.state)},
                                      {"duration_ms", sr.duration_ms},
                                      {"details", sr.details}};
                    if (!sr.error.empty()) js["error"] = sr.error;
                    steps.push_back(std::move(js));
                }
        out["steps"] = std::move(steps);
        if (rec->plan) out["plan"] = plan::to_json(*rec->plan);
        if (auto tl = run::read_timeline(rec->path)) out["timeline"] = timeline_json(*tl);
        std::cout << out.dump(2) << '\n';
        return ExitCode::Ok;
    }
    // Everything below comes from the journal, a file: shown escaped (util::quote), never raw.
    std::cout << "Run " << rec->run_id << ": " << util::quote(rec->command) << "\n"
              << "  started " << utc(rec->started_ms) << " UTC, last event " << utc(rec->last_event_ms) << " UTC, "
              << rec->sessions << " session(s), ncbctl " << util::quote(rec->ncbctl_version) << "\n"
              << "  result " << util::quote(rec->result)
              << (rec->exit_code >= 0 ? ", exit " + std::to_string(rec->exit_code) : std::string())
              << (rec->resumable() ? " (resumable: ncbctl resume " + rec->run_id + ")" : std::string()) << "\n"
              << "  inventory sha256 " << util::quote(rec->inventory_hash) << "\n";
    if (!rec->plan) return ExitCode::Ok;
    if (auto tl = run::read_timeline(rec->path); tl && !tl->empty())
        std::cout << "\n"
                  << run::render_timeline(*tl, {.width = 60, .color = ctx.color() && ::isatty(STDOUT_FILENO) != 0});
    for (const auto& ph : rec->plan->phases) {
        std::cout << "\n" << util::quote(ph.name) << "\n";
        for (const auto& s : ph.steps) {
            StepRecord sr;
            if (auto it = rec->steps.find(s.id); it != rec->steps.end()) sr = it->second;
            std::string line =
                fmt::format("  {:<28} {:<10} {:>8}", util::quote(s.id), state_name(sr.state),
                            sr.state == StepState::Pending ? "" : plan::format_duration(Duration{sr.duration_ms}));
            for (const auto& [k, v] : sr.details) line += " " + util::quote(k) + "=" + util::quote(v);
            if (!sr.error.empty()) line += "  error: " + util::quote(sr.error);
            std::cout << line << '\n';
        }
    }
    return ExitCode::Ok;
}

}  // namespace

void register_runs(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("runs", "List and show run journals");
    cmd->require_subcommand(1);
    auto* ls = cmd->add_subcommand("list", "Every run of this cluster, newest first");
    ls->callback([&ctx] { ctx.action = [&ctx] { return list(ctx); }; });
    auto* sh = cmd->add_subcommand("show", "One run: every step with its state, duration, details and error");
    auto run_id = std::make_shared<std::string>();
    sh->add_option("RUN", *run_id, "Run id (see runs list)")->required()->check(CLI::Validator(run_id_problem, "RUN"));
    sh->callback([&ctx, run_id] { ctx.action = [&ctx, run_id] { return show(ctx, *run_id); }; });
}

}  // namespace ncbctl::cli
