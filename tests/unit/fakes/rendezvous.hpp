#pragma once
// A meeting point for fakes whose calls must overlap: each caller arrives and waits (at most `limit`) for
// the others; arrive() says whether all `expected` callers were inside at once. Calls issued one after
// another never meet: the first waits out the limit and returns false, so a test of "concurrently" can fail
// without asserting any wall-clock time.
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ncbctl::testing {

class Rendezvous {
public:
    explicit Rendezvous(int expected, std::chrono::milliseconds limit = std::chrono::seconds(3))
        : expected_(expected), limit_(limit) {}

    bool arrive() {
        std::unique_lock lock(mu_);
        if (++arrived_ >= expected_) cv_.notify_all();
        return cv_.wait_for(lock, limit_, [this] { return arrived_ >= expected_; });
    }
    int arrived() {
        std::lock_guard lock(mu_);
        return arrived_;
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    int expected_;
    int arrived_ = 0;
    std::chrono::milliseconds limit_;
};

}  // namespace ncbctl::testing
