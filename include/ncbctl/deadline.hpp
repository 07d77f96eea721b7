#pragma once
// A point in time after which an operation must give up. Passed down instead of bare timeouts so a
// step's budget is shared by every call it makes.
#include <chrono>

namespace ncbctl {

using Clock = std::chrono::steady_clock;
using Duration = std::chrono::milliseconds;

class Deadline {
public:
    static Deadline after(Duration d) { return Deadline(Clock::now() + d); }
    static Deadline never() { return Deadline(Clock::time_point::max()); }
    explicit Deadline(Clock::time_point at) : at_(at) {}

    [[nodiscard]] bool expired() const { return Clock::now() >= at_; }
    [[nodiscard]] Duration remaining() const {
        if (at_ == Clock::time_point::max()) return Duration::max();
        auto now = Clock::now();
        return now >= at_ ? Duration::zero() : std::chrono::duration_cast<Duration>(at_ - now);
    }
    // The earlier of this deadline and now + d: for a sub-operation with its own cap.
    [[nodiscard]] Deadline capped(Duration d) const {
        auto other = Clock::now() + d;
        return Deadline(other < at_ ? other : at_);
    }
    [[nodiscard]] Clock::time_point at() const { return at_; }

private:
    Clock::time_point at_;
};

}  // namespace ncbctl
