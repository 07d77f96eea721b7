// The shared cluster lock on a node (Kamal-style): `mkdir DIR` is the atomic test-and-set; inside it
// holder.json (what `lock status` shows), run_id and heartbeat (plain files the remote scripts compare, so
// no JSON parsing happens on the host). Every value reaches the scripts as a positional parameter.
// A lock dir without holder.json (an acquirer died between mkdir and write) reads as a holder with an
// empty run id whose heartbeat is the directory's mtime, so it goes stale like any other.
#include <unistd.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "drivers/ssh/ssh_driver.hpp"
#include "drivers/ssh/ssh_transport.hpp"
#include "net/process.hpp"
#include "util/lock_holder_json.hpp"
#include "util/quote.hpp"
#include "util/run_id.hpp"

namespace ncbctl {
namespace {

constexpr int kNotOurs = 3;

// Prints the holder of lock dir $1, or nothing when there is no lock dir. An acquirer writes holder.json a
// moment after its mkdir: a young dir without it is waited for (at most 3 s) before it reads as NOHOLDER,
// so a concurrent loser names the winner rather than "holder unknown".
const char* const kShow =
    "n=0; while [ -d \"$1\" ] && [ ! -f \"$1/holder.json\" ] && [ $n -lt 30 ]; do\n"
    "  [ $(( $(date +%s) - $(stat -c %Y -- \"$1\" 2>/dev/null || echo 0) )) -lt 10 ] || break\n"
    "  sleep 0.1; n=$((n + 1))\n"
    "done\n"
    "if [ -f \"$1/holder.json\" ]; then cat -- \"$1/holder.json\"\n"
    "elif [ -d \"$1\" ]; then printf 'NOHOLDER %s' \"$(stat -c %Y -- \"$1\")\"; fi\n";

std::string holder_json(const LockHolder& h) {
    return util::holder_to_json(h).dump();
}

Result<LockHolder> parse_holder(const std::string& text, const std::string& who) {
    if (text.starts_with("NOHOLDER ")) {
        LockHolder h;
        h.command = "(holder unknown: lock directory without holder.json)";
        try {
            h.started = h.heartbeat = std::stoll(text.substr(9));
        } catch (...) {
            h.started = h.heartbeat = 0;
        }
        return h;
    }
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return fail(ErrorCode::Protocol, who + ": lock holder.json is not JSON; inspect and remove it by hand");
    LockHolder h = util::holder_from_json(j);
    // Content of a file on a node: an id of another shape is not taken as a run's (it is compared, shown,
    // and would be handed back to the node's scripts).
    if (!util::is_run_id(h.run_id))
        return fail(ErrorCode::Protocol, who + ": lock holder.json names no valid run (run_id " +
                                             util::quote(h.run_id.substr(0, 64)) + "); inspect and remove it by hand");
    return h;
}

class SshLock final : public LockBackend {
public:
    SshLock(const Node& node, std::string dir, Duration connect)
        : node_(node), dir_(std::move(dir)), connect_(connect) {
        while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    }

    Result<std::optional<LockHolder>> try_acquire(const LockHolder& me, const Deadline& d) override {
        LockHolder h = me;
        if (h.heartbeat == 0) h.heartbeat = std::time(nullptr);
        if (h.started == 0) h.started = h.heartbeat;
        // A holder that releases between our mkdir and our look makes us try again (three times at most).
        const std::string script = std::string(
                                       "d=$1; mkdir -p -- \"$(dirname -- \"$d\")\" || exit 70\n"
                                       "holder=$(cat); show() {\n") +
                                   kShow +
                                   "}\n"
                                   "for try in 1 2 3; do\n"
                                   "  if err=$(mkdir -- \"$d\" 2>&1); then\n"
                                   "    printf %s \"$2\" > \"$d/run_id\" && printf %s \"$3\" > \"$d/heartbeat\" &&\n"
                                   "    printf %s \"$holder\" > \"$d/holder.json.tmp\" &&\n"
                                   "    mv -f -- \"$d/holder.json.tmp\" \"$d/holder.json\" && echo ACQUIRED && exit 0\n"
                                   "    exit 71\n"
                                   "  fi\n"
                                   "  out=$(show \"$d\"); [ -n \"$out\" ] && printf %s \"$out\" && exit 0\n"
                                   "done\n"
                                   "printf '%s\\n' \"$err\" >&2; exit 72\n";
        auto r = run({"sh", "-c", script, "sh", dir_, h.run_id, std::to_string(h.heartbeat)}, d, holder_json(h));
        if (!r) return fail(r.error());
        if (r->exit_code != 0)
            return fail(ErrorCode::Remote, where() + ": cannot create lock " + dir_ + ": " + net::last_lines(r->err));
        if (r->out.starts_with("ACQUIRED")) return std::optional<LockHolder>();
        auto holder = parse_holder(r->out, where());
        if (!holder) return fail(holder.error());
        return std::optional<LockHolder>(*holder);
    }

    Status heartbeat(const LockHolder& me, const Deadline& d) override {
        LockHolder h = me;
        h.heartbeat = std::time(nullptr);
        const char* script =
            "d=$1; [ -d \"$d\" ] && [ \"$(cat -- \"$d/run_id\" 2>/dev/null)\" = \"$2\" ] || exit 3\n"
            "printf %s \"$3\" > \"$d/heartbeat.tmp\" && mv -f -- \"$d/heartbeat.tmp\" \"$d/heartbeat\" &&\n"
            "cat > \"$d/holder.json.tmp\" && mv -f -- \"$d/holder.json.tmp\" \"$d/holder.json\"";
        return checked(run({"sh", "-c", script, "sh", dir_, h.run_id, std::to_string(h.heartbeat)}, d, holder_json(h)),
                       "refresh", me.run_id);
    }

    Status release(const LockHolder& me, const Deadline& d) override {
        const char* script =
            "d=$1; [ -d \"$d\" ] || exit 0\n"
            "[ \"$(cat -- \"$d/run_id\" 2>/dev/null)\" = \"$2\" ] || exit 3\n"
            "mv -- \"$d\" \"$d.released.$$\" && rm -rf -- \"$d.released.$$\"";
        return checked(run({"sh", "-c", script, "sh", dir_, me.run_id}, d, {}), "release", me.run_id);
    }

    Result<std::optional<LockHolder>> read(const Deadline& d) override {
        const std::string script = std::string("[ -d \"$1\" ] || exit 0; ") + kShow;
        auto r = run({"sh", "-c", script, "sh", dir_}, d, {});
        if (!r) return fail(r.error());
        if (r->exit_code != 0)
            return fail(ErrorCode::Remote, where() + ": cannot read lock " + dir_ + ": " + net::last_lines(r->err));
        if (r->out.empty()) return std::optional<LockHolder>();
        auto holder = parse_holder(r->out, where());
        if (!holder) return fail(holder.error());
        return std::optional<LockHolder>(*holder);
    }

    Status break_lock(const LockHolder& stale, const Deadline& d) override {
        // Both the run id and the heartbeat must still be what the caller judged stale.
        const char* script =
            "d=$1; [ -d \"$d\" ] || exit 0\n"
            "[ \"$(cat -- \"$d/run_id\" 2>/dev/null)\" = \"$2\" ] || exit 3\n"
            "hb=$(cat -- \"$d/heartbeat\" 2>/dev/null || stat -c %Y -- \"$d\"); [ \"$hb\" = \"$3\" ] || exit 3\n"
            "mv -- \"$d\" \"$d.broken.$$\" && rm -rf -- \"$d.broken.$$\"";
        return checked(run({"sh", "-c", script, "sh", dir_, stale.run_id, std::to_string(stale.heartbeat)}, d, {}),
                       "break", stale.run_id);
    }

private:
    [[nodiscard]] std::string where() const { return transport_ ? transport_->who() : "node " + node_.name; }

    Result<ExecResult> run(const Argv& argv, const Deadline& d, const std::string& in) {
        if (!transport_) {
            auto t = ssh::transport_for(node_, connect_);
            if (!t) return fail(t.error());
            transport_ = *t;
        }
        return transport_->run(argv, d, in);
    }

    Status checked(const Result<ExecResult>& r, std::string_view what, const std::string& run_id) const {
        if (!r) return fail(r.error());
        if (r->exit_code == kNotOurs)
            return fail(ErrorCode::Lock, where() + ": cannot " + std::string(what) + " lock " + dir_ +
                                             ": it is no longer held by run " + run_id + " (taken over or renewed)");
        if (r->exit_code != 0)
            return fail(ErrorCode::Remote,
                        where() + ": cannot " + std::string(what) + " lock " + dir_ + ": " + net::last_lines(r->err));
        return {};
    }

    Node node_;
    std::string dir_;
    Duration connect_;
    std::shared_ptr<ssh::SshTransport> transport_;
};

}  // namespace

std::unique_ptr<LockBackend> make_ssh_lock(const Node& node, const Inventory& inventory) {
    return std::make_unique<SshLock>(node, inventory.lock.dir, ssh::connect_timeout(inventory));
}

}  // namespace ncbctl
