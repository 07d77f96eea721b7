#pragma once
// Small constructors the workflow builders share (upgrade/start/stop, maintain, rollback).
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "ncbctl/inventory.hpp"
#include "ncbctl/plan.hpp"

namespace ncbctl::plan {

inline Duration ms(Seconds s) {
    return std::chrono::duration_cast<Duration>(s);
}

inline Step step(std::string id, std::string target, std::string action, Duration timeout, int attempts = 1,
                 Duration backoff = Duration{2000}) {
    Step s;
    s.id = std::move(id);
    s.target = std::move(target);
    s.action = std::move(action);
    s.timeout = timeout;
    s.retry = {attempts, backoff};
    return s;
}

inline UndoAction undo(std::string action, Params params = {}) {
    return UndoAction{std::move(action), std::move(params)};
}

inline Phase phase(std::string name, std::string title, bool parallel, OnFailure on_failure, ExitCode exit,
                   std::vector<std::string> needs = {}) {
    Phase p;
    p.name = std::move(name);
    p.title = std::move(title);
    p.parallel = parallel;
    p.on_failure = on_failure;
    p.failure_exit = exit;
    p.needs = std::move(needs);
    return p;
}

}  // namespace ncbctl::plan
