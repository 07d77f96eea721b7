#include "drivers/ssh/ssh_driver.hpp"

#include <algorithm>
#include <charconv>
#include <thread>

#include "drivers/ssh/presets.hpp"
#include "drivers/ssh/ssh_transport.hpp"
#include "net/process.hpp"
#include "util/log_excerpt.hpp"

namespace ncbctl {
namespace {

using ssh::Action;
using ssh::Preset;

constexpr Duration kFirstPoll{50};
constexpr Duration kPollInterval{200};

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

class SshNodeDriver final : public NodeDriver {
public:
    SshNodeDriver(const Node& node, const Inventory& inv) : node_(node), connect_(ssh::connect_timeout(inv)) {
        if (node.driver != DriverKind::Ssh) {
            setup_ = fail(ErrorCode::Inventory, "node " + node.name + " does not use the ssh driver");
        } else if (auto v = ssh::validate_service(node.ssh.service); !v) {
            setup_ = fail(v.error().with_context("node " + node.name + ": "));
        } else {
            preset_ = *ssh::parse_preset(node.ssh.service.preset);
        }
    }

    [[nodiscard]] const std::string& node_name() const override { return node_.name; }

    Result<NodeState> probe(const Deadline& d) override {
        auto st = status(d);
        if (!st) {
            const auto c = st.error().code;
            if (c == ErrorCode::Unreachable || c == ErrorCode::Timeout)
                return NodeState{.reachable = false, .detail = st.error().message};
            return fail(st.error());
        }
        NodeState ns{.reachable = true, .service = st->state, .detail = st->detail};
        auto v = deployed_version(d);
        if (!v) return fail(v.error());
        ns.deployed_version = *v;
        return ns;
    }

    Status stop(const Deadline& d) override {
        // The presets' stop commands wait until the service stopped and succeed on a stopped one, so they
        // run without a status first (one status, a Python start for supervisorctl, less in the window per
        // node); the stop step probes the service right after (node.stop: verified stopped). Only a failed
        // stop asks the status, to tell a stopped service (success) and a missing one (NotFound) apart.
        if (ssh::stop_waits(preset_, node_.ssh.service)) {
            auto stopped = run_action(Action::Stop, "", d);
            if (stopped || stopped.error().code != ErrorCode::Remote) return stopped;
            auto st = status(d);
            if (!st) return stopped;
            if (st->state == ServiceState::Stopped) return {};
            if (st->state == ServiceState::Missing) return fail(ErrorCode::NotFound, who() + ": " + st->detail);
            return stopped;
        }
        auto st = status(d);
        if (!st) return fail(st.error());
        if (st->state == ServiceState::Stopped) return {};
        if (st->state == ServiceState::Missing) return fail(ErrorCode::NotFound, who() + ": " + st->detail);
        if (auto r = run_action(Action::Stop, "", d); !r) return r;
        return wait_for(ServiceState::Stopped, d);
    }

    Status start(const Deadline& d) override {
        auto st = status(d);
        if (!st) return fail(st.error());
        if (st->state == ServiceState::Running) return {};
        if (st->state == ServiceState::Missing) return fail(ErrorCode::NotFound, who() + ": " + st->detail);
        if (auto r = run_action(Action::Start, "", d); !r) return r;
        return wait_for(ServiceState::Running, d);
    }

    Status prepare(const std::string& version, const Deadline& d) override {
        if (!setup_) return setup_;
        if (preset_ != Preset::DockerCompose) return {};  // nothing to stage for code deployed by a command
        if (auto v = check_tag(version); !v) return v;
        return run_action(Action::Prepare, version, d);
    }

    Status upgrade(const std::string& version, const Deadline& d) override { return deploy(version, d, "upgrade"); }

    Status rollback(const std::string& previous_version, const Deadline& d) override {
        return deploy(previous_version, d, "rollback");
    }

    Result<ExecResult> exec(const Argv& argv, const Deadline& d) override {
        auto t = transport();
        if (!t) return fail(t.error());
        return (*t)->run(argv, d);
    }

    // `touch <storage>/.upgrading` on the host: NocoBase's own marker (commands/start.ts), consumed
    // by the next start. docker-compose runs an image that upgrades at every start: nothing to do.
    Status mark_upgrade(const Deadline& d) override {
        if (!setup_) return setup_;
        const std::string dir = node_.ssh.service.storage_path();
        if (dir.empty()) {
            if (preset_ == Preset::DockerCompose) return {};
            return fail(ErrorCode::Unsupported,
                        who() +
                            ": cannot make the next start run NocoBase's upgrade: set service.storage_dir "
                            "(NocoBase's storage directory on the host) or service.app_dir in the inventory");
        }
        auto r = exec({"touch", dir + "/.upgrading"}, d);
        if (!r) return fail(r.error());
        if (r->exit_code != 0)
            return fail(ErrorCode::Remote, who() + ": touch " + dir + "/.upgrading failed (exit " +
                                               std::to_string(r->exit_code) + "): " + r->err.substr(0, 200));
        return {};
    }

    Result<std::string> logs(int lines, const Deadline& d) override {
        if (!setup_) return fail(setup_.error());
        std::vector<std::string> pm2_files;
        if (preset_ == Preset::Pm2 && node_.ssh.service.logs.empty()) {
            auto jlist = ssh::service_argv(node_.ssh.service, Action::Status, node_.name, "");
            if (!jlist) return fail(jlist.error());
            auto listed = exec(**jlist, d);
            if (!listed) return fail(listed.error());
            auto files = ssh::pm2_log_files(listed->out, node_.ssh.service.process);
            if (!files) return fail(files.error().with_context(who() + ": "));
            pm2_files = std::move(*files);
        }
        auto argv = ssh::logs_argv(node_.ssh.service, node_.name, lines, pm2_files);
        if (!argv) return fail(argv.error().with_context(who() + ": "));
        auto r = exec(*argv, d);
        if (!r) return fail(r.error());
        if (r->exit_code != 0)
            return fail(ErrorCode::Remote, who() + ": the log command failed (exit " + std::to_string(r->exit_code) +
                                               "): " + net::last_lines(r->err, 2));
        std::string_view text = r->out.empty() ? r->err : r->out;
        // supervisorctl tails bytes: a full answer starts inside a line, which is not shown.
        const bool by_bytes = preset_ == Preset::Supervisord && node_.ssh.service.logs.empty();
        if (by_bytes && text.size() >= static_cast<std::size_t>(lines) * ssh::kSupervisorTailBytesPerLine)
            text.remove_prefix(std::min(text.size(), text.find('\n') + 1));
        return util::log_excerpt(text, static_cast<std::size_t>(lines));
    }

private:
    [[nodiscard]] std::string who() const { return transport_ ? transport_->who() : "node " + node_.name; }

    Result<std::shared_ptr<ssh::SshTransport>> transport() {
        if (!setup_) return fail(setup_.error());
        if (!transport_) {
            auto t = ssh::transport_for(node_, connect_);
            if (!t) return fail(t.error());
            transport_ = *t;
        }
        return transport_;
    }

    Result<ExecResult> run_argv(const Argv& argv, const Deadline& d) {
        auto t = transport();
        if (!t) return fail(t.error());
        return (*t)->run(argv, d);
    }

    // Runs a service action and turns a non-zero exit into a Remote error.
    Status run_action(Action a, const std::string& version, const Deadline& d) {
        auto argv = ssh::service_argv(node_.ssh.service, a, node_.name, version);
        if (!argv) return fail(argv.error().with_context(who() + ": "));
        if (!*argv)
            return fail(ErrorCode::Unsupported, who() + ": preset " + node_.ssh.service.preset + " has no " +
                                                    std::string(ssh::to_string(a)) + " command; set service." +
                                                    std::string(ssh::to_string(a)));
        auto r = run_argv(**argv, d);
        if (!r) return fail(r.error());
        if (r->exit_code != 0)
            return fail(ErrorCode::Remote, who() + ": " + std::string(ssh::to_string(a)) + " failed (exit " +
                                               std::to_string(r->exit_code) +
                                               "): " + net::last_lines(r->err.empty() ? r->out : r->err));
        return {};
    }

    Result<ssh::ServiceStatus> status(const Deadline& d) {
        auto argv = ssh::service_argv(node_.ssh.service, Action::Status, node_.name, "");
        if (!argv) return fail(argv.error().with_context("node " + node_.name + ": "));
        auto r = run_argv(**argv, d);
        if (!r) return fail(r.error());
        auto st = ssh::interpret_status(node_.ssh.service, *r);
        if (!st) return fail(st.error().with_context(who() + ": "));
        return st;
    }

    // Status polls from the first one right after the command: 50 ms apart, growing to 200 ms, so a service
    // that takes a moment is seen in its state within 50 ms rather than a whole interval later.
    Status wait_for(ServiceState want, const Deadline& d) {
        std::string last;
        Duration every = kFirstPoll;
        while (true) {
            auto st = status(d);
            if (!st) return fail(st.error());
            if (st->state == want) return {};
            last = std::string(to_string(st->state)) + (st->detail.empty() ? "" : " (" + st->detail + ")");
            if (d.remaining() <= every)
                return fail(ErrorCode::Timeout, who() + ": service did not become " + std::string(to_string(want)) +
                                                    " before the deadline; last state " + last);
            std::this_thread::sleep_for(every);
            every = std::min(every * 2, kPollInterval);
        }
    }

    Status check_tag(const std::string& version) const {
        if (!ssh::valid_image_tag(version))
            return fail(ErrorCode::Usage,
                        who() + ": '" + version + "' is not a valid image tag for " + node_.ssh.service.image_var);
        return {};
    }

    Status deploy(const std::string& version, const Deadline& d, std::string_view what) {
        if (!setup_) return setup_;
        if (preset_ != Preset::DockerCompose || !node_.ssh.service.upgrade.empty())
            return run_action(Action::Upgrade, version, d);
        if (auto v = check_tag(version); !v) return v;
        auto t = transport();
        if (!t) return fail(t.error());
        const std::string env = ssh::compose_env_file(node_.ssh.service);
        auto text = (*t)->read_file(env, d);
        if (!text) return fail(text.error());
        auto mode = (*t)->run({"stat", "-c", "%a", "--", env}, d);
        int m = 0600;  // .env files often hold secrets: keep their mode, default to private
        if (mode && mode->exit_code == 0) {
            const std::string o = trimmed(mode->out);
            std::from_chars(o.data(), o.data() + o.size(), m, 8);
        }
        auto st =
            (*t)->write_file(env, ssh::env_file_set(text->value_or(""), node_.ssh.service.image_var, version), d, m);
        if (!st) return fail(st.error().with_context(std::string(what) + ": "));
        // Like docker.upgrade_marker_dir: with the storage directory known, the canary's next start runs
        // NocoBase's upgrade even when the image does not upgrade at every start by itself.
        if (what == "upgrade" && !node_.ssh.service.storage_path().empty()) return mark_upgrade(d);
        return {};
    }

    Result<std::string> deployed_version(const Deadline& d) {
        const auto& s = node_.ssh.service;
        if (!s.version.empty()) {
            auto argv = ssh::service_argv(s, Action::Version, node_.name, "");
            if (!argv) return fail(argv.error());
            auto r = run_argv(**argv, d);
            if (!r) return fail(r.error());
            return r->exit_code == 0 ? trimmed(r->out) : std::string();
        }
        auto t = transport();
        if (!t) return fail(t.error());
        if (preset_ == Preset::DockerCompose) {
            auto text = (*t)->read_file(ssh::compose_env_file(s), d);
            if (!text) return fail(text.error());
            return text->has_value() ? ssh::env_file_get(**text, s.image_var).value_or("") : std::string();
        }
        if (const auto pj = ssh::nocobase_package_json(s); !pj.empty()) {
            auto text = (*t)->read_file(pj, d);
            if (!text) return fail(text.error());
            return text->has_value() ? ssh::version_from_package_json(**text) : std::string();
        }
        return std::string();
    }

    Node node_;
    Duration connect_;
    Status setup_;
    Preset preset_ = Preset::Custom;
    std::shared_ptr<ssh::SshTransport> transport_;
};

}  // namespace

NodeDriverPtr make_ssh_driver(const Node& node, const Inventory& inventory) {
    return std::make_unique<SshNodeDriver>(node, inventory);
}

}  // namespace ncbctl
