#include "net/sigpipe_guard.hpp"

#include <pthread.h>

#include <cerrno>
#include <ctime>

namespace ncbctl::net {
namespace {

sigset_t pipe_set() {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    return s;
}

}  // namespace

SigpipeGuard::SigpipeGuard() {
    const sigset_t s = pipe_set();
    pthread_sigmask(SIG_BLOCK, &s, &old_);
}

SigpipeGuard::~SigpipeGuard() {
    const int saved = errno;
    const sigset_t s = pipe_set();
    sigset_t pending;
    // A caller that had SIGPIPE blocked already keeps its pending one.
    if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1 && sigismember(&old_, SIGPIPE) == 0) {
        const timespec zero{0, 0};
        while (sigtimedwait(&s, nullptr, &zero) > 0) {}
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    errno = saved;
}

}  // namespace ncbctl::net
