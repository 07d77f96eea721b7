#pragma once
// A progress event from an action (what the step is doing or found): shown live, journaled with the step.
#include <mutex>
#include <string>

#include "ncbctl/events.hpp"

namespace ncbctl::workflow {

inline void progress(EventSink& events, std::string message, Params details = {}) {
    Event e;
    e.message = std::move(message);
    e.details = std::move(details);
    events.on_event(e);
}

// The sink an action hands to work it runs on other threads: one event at a time, as EventSink promises its
// implementations, whoever called the action (the engine serializes its own sink; a direct caller may not).
class SerialSink final : public EventSink {
public:
    explicit SerialSink(EventSink& inner) : inner_(inner) {}
    void on_event(const Event& e) override {
        std::lock_guard lock(mu_);
        inner_.on_event(e);
    }
    void sync() override { inner_.sync(); }

private:
    EventSink& inner_;
    std::mutex mu_;
};

}  // namespace ncbctl::workflow
