// Test-only executable for the engine's process-level tests and bench/engine. Subcommands:
//   run    --state D --effects F [--nodes N] [--parallel P] [--kill-after-event K] [--kill-in-step ID:before|after]
//          [--slow-step ID] [--marker F]  runs an upgrade plan with a fake runner that applies each step's effect
//          to F (idempotently, like a real driver) and SIGKILLs itself at the chosen point
//   resume --state D --effects F           resumes run "20261126T024512Z-c0ffee"
//   hold   --state D --run-id R --marker F --release F [--die]   takes the lock until F appears (or dies)
//   acquire --state D --run-id R           exit 0 when the lock was free, 4 naming the holder otherwise
//   bench  --steps N | --nodes N [--parallel P] [--dir D]   engine overhead figures (fake runner doing nothing)
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "fakes/engine.hpp"
#include "ncbctl/cancel.hpp"
#include "plan/workflows.hpp"
#include "run/cluster_lock.hpp"
#include "run/executor.hpp"
#include "run/session.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

namespace {

constexpr const char* kRunId = "20261126T024512Z-c0ffee";
constexpr const char* kInventoryHash = "crash-inventory";

std::map<std::string, std::string> parse(int argc, char** argv) {
    std::map<std::string, std::string> a;
    for (int i = 2; i < argc; ++i) {
        std::string k = argv[i];
        if (!k.starts_with("--")) continue;
        if (i + 1 < argc && std::string_view(argv[i + 1]).substr(0, 2) != "--")
            a[k.substr(2)] = argv[++i];
        else
            a[k.substr(2)] = "true";
    }
    return a;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

// A fake driver whose effects survive the process: "run <step>" lines in a file. Like a real driver it is
// idempotent: an effect already applied is not applied again ("already stopped" is success).
class EffectRunner final : public ActionRunner {
public:
    EffectRunner(std::string effects, std::string kill_in_step, std::string slow_step, std::string marker)
        : effects_(std::move(effects)),
          kill_(std::move(kill_in_step)),
          slow_(std::move(slow_step)),
          marker_(std::move(marker)) {}

    Result<StepResult> run(const Step& step, const Deadline& deadline, EventSink&) override {
        if (auto st = append(effects_ + ".calls", "call " + step.id + "\n"); !st) return fail(st.error());
        if (kill_ == step.id + ":before") ::raise(SIGKILL);
        if (step.id == slow_) {
            write_file(marker_, std::to_string(::getpid()));
            while (!deadline.expired() && !abort_requested()) {
                if (stop_requested()) break;  // a real step would finish its work here
                std::this_thread::sleep_for(10ms);
            }
        }
        if (auto st = apply("run " + step.id); !st) return fail(st.error());
        if (kill_ == step.id + ":after") ::raise(SIGKILL);
        return StepResult{{{"effect", "run " + step.id}}, {}};
    }

    Status undo(const Step& step, const StepResult&, const Deadline&, EventSink&) override {
        return apply("undo " + step.id);
    }

private:
    Status apply(const std::string& effect) {
        std::lock_guard lock(mu_);
        const std::string all = slurp(effects_);
        if (all.find(effect + "\n") != std::string::npos) return {};
        return append(effects_, effect + "\n");
    }
    static Status append(const std::string& path, const std::string& line) {
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) return fail(ErrorCode::Io, "cannot open " + path);
        bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
        ::close(fd);
        if (!ok) return fail(ErrorCode::Io, "cannot write " + path);
        return {};
    }
    std::string effects_, kill_, slow_, marker_;
    std::mutex mu_;
};

// Placed after the journal in the fan-out: dies right after the K-th journaled event (every boundary).
class KillerSink final : public EventSink {
public:
    explicit KillerSink(long k) : k_(k) {}
    void on_event(const Event& e) override {
        if (e.kind == EventKind::StepProgress) return;
        if (++n_ == k_) ::raise(SIGKILL);
    }

private:
    long k_;
    long n_ = 0;
};

Plan crash_plan(const std::map<std::string, std::string>& a) {
    int nodes = a.contains("nodes") ? std::stoi(a.at("nodes")) : 3;
    auto inv = testing::make_inventory(nodes, kInventoryHash);
    return *plan::build_upgrade(inv, {.to = "2.2.16"});
}

run::SessionOptions session(const std::map<std::string, std::string>& a) {
    run::SessionOptions o;
    o.state_dir = a.at("state");
    o.parallel = a.contains("parallel") ? std::stoi(a.at("parallel")) : 2;
    o.reporter = run::ReporterKind::Plain;
    o.run_id = kRunId;
    return o;
}

int cmd_run(const std::map<std::string, std::string>& a) {
    Plan plan = crash_plan(a);
    EffectRunner runner(a.at("effects"), a.contains("kill-in-step") ? a.at("kill-in-step") : "",
                        a.contains("slow-step") ? a.at("slow-step") : "", a.contains("marker") ? a.at("marker") : "");
    auto lock = run::make_local_lock(a.at("state"));
    auto opts = session(a);
    if (a.contains("kill-after-event")) {
        // Same session as run_plan, with the killer behind the journal.
        auto rid = opts.run_id;
        auto held = run::ClusterLock::acquire(*lock, run::make_holder(rid, "upgrade"), Duration{0}, Seconds{120});
        if (!held) return 4;
        auto journal = Journal::open(journal_path(opts.state_dir, rid));
        if (!journal) return 1;
        KillerSink killer(std::stol(a.at("kill-after-event")));
        run::FanoutSink sink({journal->get(), &killer});
        run::ExecOptions eo;
        eo.run_id = rid;
        eo.command = "upgrade --to 2.2.16";
        eo.parallel = opts.parallel;
        eo.journal = journal->get();
        return to_int(run::execute(plan, runner, sink, eo).exit);
    }
    return to_int(run::run_plan(plan, runner, *lock, opts));
}

int cmd_resume(const std::map<std::string, std::string>& a) {
    EffectRunner runner(a.at("effects"), "", "", "");
    auto rec = run::find_resumable(a.at("state"), kRunId, kInventoryHash, false);
    if (!rec) {
        std::cerr << rec.error().message << '\n';
        return to_int(ExitCode::Usage);
    }
    auto lock = run::make_local_lock(a.at("state"));
    return to_int(run::resume_run(*rec, runner, *lock, session(a)));
}

int cmd_hold(const std::map<std::string, std::string>& a) {
    auto lock = run::make_local_lock(a.at("state"));
    auto held = run::ClusterLock::acquire(*lock, run::make_holder(a.at("run-id"), "upgrade --to 9.9.9"), Duration{0},
                                          Seconds{120});
    if (!held) {
        std::cerr << held.error().message << '\n';
        return 4;
    }
    write_file(a.at("marker"), std::to_string(::getpid()));
    if (a.contains("die")) ::raise(SIGKILL);
    for (auto until = Clock::now() + 60s; Clock::now() < until && !std::filesystem::exists(a.at("release"));)
        std::this_thread::sleep_for(10ms);
    return 0;
}

int cmd_acquire(const std::map<std::string, std::string>& a) {
    auto lock = run::make_local_lock(a.at("state"));
    auto held =
        run::ClusterLock::acquire(*lock, run::make_holder(a.at("run-id"), "backup run"), Duration{0}, Seconds{120});
    if (!held) {
        std::cerr << "ncbctl: " << held.error().message << '\n';
        return held.error().code == ErrorCode::Lock ? 4 : 1;
    }
    std::cout << "acquired\n";
    return 0;
}

// Does nothing: what is measured is the engine around it.
// Does nothing, or waits `step` per step (a remote call's latency, so parallel steps overlap).
class NullRunner final : public ActionRunner {
public:
    explicit NullRunner(std::chrono::milliseconds step = {}) : step_(step) {}
    Result<StepResult> run(const Step&, const Deadline&, EventSink&) override {
        if (step_.count() > 0) std::this_thread::sleep_for(step_);
        return StepResult{};
    }
    Status undo(const Step&, const StepResult&, const Deadline&, EventSink&) override { return {}; }

private:
    std::chrono::milliseconds step_;
};

long peak_rss_kb() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int cmd_bench(const std::map<std::string, std::string>& a) {
    testing::TempDir tmp;
    const std::string dir = a.contains("dir") ? a.at("dir") : tmp.path;  // bench/engine compares disk and tmpfs
    NullRunner runner(std::chrono::milliseconds(a.contains("step-ms") ? std::stoi(a.at("step-ms")) : 0));
    const int parallel = a.contains("parallel") ? std::stoi(a.at("parallel")) : 1;
    Plan plan;
    if (a.contains("steps")) {
        const int n = std::stoi(a.at("steps"));
        plan.workflow = "bench";
        Phase p;
        p.name = "work";
        p.parallel = parallel > 1;
        for (int i = 0; i < n; ++i)
            p.steps.push_back(Step{.id = "work/" + std::to_string(i), .target = "n", .action = "noop"});
        plan.phases.push_back(std::move(p));
    } else {
        plan = *plan::build_upgrade(testing::make_inventory(std::stoi(a.at("nodes")), "bench"), {.to = "2.2.16"});
    }
    auto lock = run::make_local_lock(dir);
    run::SessionOptions o;
    o.state_dir = dir;
    o.parallel = parallel;
    o.reporter = run::ReporterKind::Quiet;
    std::ostringstream sink_out, sink_err;
    o.out = &sink_out;
    o.err = &sink_err;
    const auto t0 = Clock::now();
    auto code = run::run_plan(plan, runner, *lock, o);
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    const auto steps = plan.step_count();
    std::printf(
        "%zu steps, --parallel %d: %.3f s total, %.3f ms per step (journal fsync included), peak RSS %.1f MB, exit "
        "%d\n",
        steps, parallel, secs, secs * 1000.0 / static_cast<double>(steps), static_cast<double>(peak_rss_kb()) / 1024.0,
        to_int(code));
    return code == ExitCode::Ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: ncbctl_engine_helper run|resume|hold|acquire|bench ...\n";
        return 2;
    }
    const std::string cmd = argv[1];
    auto a = parse(argc, argv);
    try {
        if (cmd == "run") return cmd_run(a);
        if (cmd == "resume") return cmd_resume(a);
        if (cmd == "hold") return cmd_hold(a);
        if (cmd == "acquire") return cmd_acquire(a);
        if (cmd == "bench") return cmd_bench(a);
    } catch (const std::exception& e) {
        std::cerr << "helper: " << e.what() << '\n';
        return 1;
    }
    std::cerr << "unknown subcommand " << cmd << '\n';
    return 2;
}
