#include "ncbctl/cancel.hpp"

#include <atomic>

namespace ncbctl {
namespace {
std::atomic<int> g_interrupts{0};
static_assert(std::atomic<int>::is_always_lock_free, "signal handler needs a lock-free counter");
}  // namespace

void request_interrupt() noexcept {
    g_interrupts.fetch_add(1, std::memory_order_relaxed);
}
int interrupt_count() noexcept {
    return g_interrupts.load(std::memory_order_relaxed);
}
void reset_interrupts() noexcept {
    g_interrupts.store(0, std::memory_order_relaxed);
}

}  // namespace ncbctl
