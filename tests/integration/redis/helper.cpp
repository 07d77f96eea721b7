// Test-only executable for tests/integration/redis: one real session (run::run_plan / resume_run: the
// cluster lock from the inventory's backend through the wiring, heartbeat, journal, executor) whose steps
// are fakes that take time. Subcommands:
//   run    --inventory F --state D --run-id R --steps N --step-ms M --effects F [--lock-wait MS] [--kill-in-step I]
//   resume --inventory F --state D --run-id R --steps N --step-ms M --effects F
// Each step appends "start <id> <unix ms>" and then "done <id>" to the effects file; --kill-in-step I
// SIGKILLs the process right after step I (0-based) started. Exit code: the session's.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include "ncbctl/cancel.hpp"
#include "run/session.hpp"
#include "wiring/wiring.hpp"

using namespace ncbctl;
using namespace std::chrono_literals;

namespace {

std::map<std::string, std::string> parse(int argc, char** argv) {
    std::map<std::string, std::string> a;
    for (int i = 2; i + 1 < argc; i += 2) a[std::string(argv[i]).substr(2)] = argv[i + 1];
    return a;
}

void append(const std::string& path, const std::string& line) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return;
    (void)!::write(fd, line.data(), line.size());
    ::fsync(fd);
    ::close(fd);
}

long long unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class SlowRunner final : public ActionRunner {
public:
    SlowRunner(std::string effects, Duration step, int kill_in)
        : effects_(std::move(effects)), step_(step), kill_(kill_in) {}
    Result<StepResult> run(const Step& s, const Deadline& d, EventSink&) override {
        append(effects_, "start " + s.id + " " + std::to_string(unix_ms()) + "\n");
        if (kill_ >= 0 && s.id == "p" + std::to_string(kill_) + "/work") ::raise(SIGKILL);
        for (auto until = Clock::now() + step_; Clock::now() < until && !d.expired() && !abort_requested();)
            std::this_thread::sleep_for(10ms);
        append(effects_, "done " + s.id + "\n");
        return StepResult{};
    }
    Status undo(const Step&, const StepResult&, const Deadline&, EventSink&) override { return {}; }

private:
    std::string effects_;
    Duration step_;
    int kill_;
};

// N phases of one step each: the executor's guard is asked before every one.
Plan slow_plan(const Inventory& inv, int steps) {
    Plan p;
    p.workflow = "redis-it";
    p.inventory_hash = inv.content_hash;
    for (int i = 0; i < steps; ++i) {
        Phase ph;
        ph.name = "p" + std::to_string(i);
        ph.steps.push_back(Step{.id = ph.name + "/work", .target = "n", .action = "node.restart", .timeout = 60s});
        p.phases.push_back(std::move(ph));
    }
    return p;
}

int session(const std::string& cmd, const std::map<std::string, std::string>& a) {
    auto inv = load_inventory(a.at("inventory"));
    if (!inv) {
        for (const auto& d : inv.error()) std::cerr << d.to_string() << '\n';
        return 2;
    }
    auto backend = wiring::make_lock_backend(*inv, a.at("state"));
    if (!backend) {
        std::cerr << backend.error().message << '\n';
        return 2;
    }
    SlowRunner runner(a.at("effects"), Duration{std::stoi(a.at("step-ms"))},
                      a.contains("kill-in-step") ? std::stoi(a.at("kill-in-step")) : -1);
    run::SessionOptions o;
    o.state_dir = a.at("state");
    o.parallel = 1;
    o.lock_wait = Duration{a.contains("lock-wait") ? std::stoi(a.at("lock-wait")) : 0};
    o.stale_after = inv->lock.stale_after;
    o.reporter = run::ReporterKind::Plain;
    o.run_id = a.at("run-id");
    const Plan plan = slow_plan(*inv, std::stoi(a.at("steps")));
    if (cmd == "run") return to_int(run::run_plan(plan, runner, **backend, o));
    auto rec = run::find_resumable(o.state_dir, o.run_id, inv->content_hash, false);
    if (!rec) {
        std::cerr << rec.error().message << '\n';
        return 2;
    }
    return to_int(run::resume_run(*rec, runner, **backend, o));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: ncbctl_redis_helper run|resume --inventory F --state D ...\n";
        return 2;
    }
    const std::string cmd = argv[1];
    try {
        if (cmd == "run" || cmd == "resume") return session(cmd, parse(argc, argv));
    } catch (const std::exception& e) {
        std::cerr << "helper: " << e.what() << '\n';
        return 1;
    }
    std::cerr << "unknown subcommand " << cmd << '\n';
    return 2;
}
