#pragma once
// A progress event from an action (what the step is doing or found): shown live, journaled with the step.
#include <string>

#include "ncbctl/events.hpp"

namespace ncbctl::workflow {

inline void progress(EventSink& events, std::string message, Params details = {}) {
    Event e;
    e.message = std::move(message);
    e.details = std::move(details);
    events.on_event(e);
}

}  // namespace ncbctl::workflow
