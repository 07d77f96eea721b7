// traffic.driver nginx: ncbctl owns one include file and switches it atomically between generated
// variants (write temp + rename through the runner), checks with `nginx -t`, applies with a reload. A
// rejected variant is rolled back to the previous file before the step fails. State is read back from
// the file's marker line and, when the inventory has lb_url, from a probe through the LB itself.
#include <spdlog/spdlog.h>

#include <sstream>
#include <thread>

#include "net/http.hpp"
#include "net/process.hpp"
#include "traffic/nginx_config.hpp"
#include "traffic/nginx_files.hpp"
#include "traffic/traffic_common.hpp"
#include "util/redact.hpp"

namespace ncbctl::traffic {
namespace {

using namespace std::chrono_literals;

// nginx applies a reload asynchronously (new workers start after the signal): the probe waits this long.
constexpr Duration kReloadSettle = 5000ms;
constexpr Duration kWorkerOverlap = 150ms;

std::string nginx_complaint(const ExecResult& r) {
    const std::string text = r.err + r.out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.find("[emerg]") != std::string::npos || line.find("[error]") != std::string::npos) return line;
    return net::last_lines(text);
}

class NginxSwitch final : public TrafficSwitch {
public:
    NginxSwitch(const Inventory& inv, std::unique_ptr<CommandRunner> runner)
        : spec_(inv.traffic),
          nodes_(node_names(inv)),
          lb_url_(inv.lb_url),
          tls_(inv.api_tls),
          base_(nginx_settings(inv)),
          runner_(std::move(runner)) {
        if (spec_.test_command.empty()) spec_.test_command = {"nginx", "-t"};
        if (spec_.reload_command.empty()) spec_.reload_command = {"nginx", "-s", "reload"};
    }

    Result<TrafficState> status(const Deadline& d) override {
        auto content = read_include(d);
        if (!content) return fail(content.error());
        TrafficState st;
        auto marker = content->has_value() ? parse_nginx_marker(**content) : std::nullopt;
        if (!content->has_value()) {
            st.detail = spec_.include_file + " is missing on " + runner_->where() +
                        " (ncbctl has not switched yet; `ncbctl traffic live` or `ncbctl traffic setup --write` "
                        "writes it)";
            st.first_switch = true;
            return st;
        }
        if (!marker) {
            st.detail = spec_.include_file + " has no ncbctl marker line (edited by hand?)";
            return st;
        }
        st.mode = marker->mode;
        if (st.mode == TrafficMode::Pinned) st.pinned_node = marker->node;
        if (st.mode == TrafficMode::Live) st.serving_nodes = nodes_;
        if (st.mode == TrafficMode::Pinned || st.mode == TrafficMode::Partial)
            for (const auto& n : nodes_)
                if (("," + marker->node + ",").find("," + n + ",") != std::string::npos) st.serving_nodes.push_back(n);
        st.admitted_nodes = st.serving_nodes;
        st.detail = "file " + spec_.include_file + " on " + runner_->where() + " says " + describe(st);
        if (lb_url_.empty()) return st;
        auto probe = probe_variant(d);
        const std::string want = variant_name(st.mode, marker->node);
        const std::string url = util::redact_url(lb_url_);
        if (!probe) {
            st.detail += "; probe " + url + " failed: " + probe.error().message;
            st.mode = TrafficMode::Unknown;
        } else if (probe->variant.empty() ? (probe->status == 503) != (st.mode == TrafficMode::Maintenance)
                                          : probe->variant != want) {
            st.detail +=
                "; but " + url + " answers as '" + probe->describe() + "': nginx has not (yet) loaded the file";
            st.mode = TrafficMode::Unknown;
            st.serving_nodes.clear();
            st.admitted_nodes.clear();
        } else {
            st.detail += "; probe " + url + " agrees";
        }
        return st;
    }

    Status maintenance(const Deadline& d) override { return switch_to({.mode = TrafficMode::Maintenance}, d); }
    Status pin(const std::string& node, const Deadline& d) override {
        return switch_to({.mode = TrafficMode::Pinned, .pinned_node = node}, d);
    }
    Status live(const Deadline& d) override { return switch_to({.mode = TrafficMode::Live}, d); }
    Status serve(const std::vector<std::string>& nodes, const Deadline& d) override {
        auto wanted = serve_target(nodes, nodes_);
        if (!wanted) return fail(wanted.error());
        return switch_to(*wanted, d);
    }

    // Polls for a short while: a reload takes effect asynchronously, and nginx's master lets the old
    // workers accept connections for another 100 ms after the new ones start. So a first match is
    // confirmed after that overlap before the switch counts as done.
    Status verify(const TrafficState& wanted, const Deadline& d) override {
        const Deadline settle = d.capped(kReloadSettle);
        bool confirming = false;
        while (true) {
            auto st = status(d);
            if (!st) return fail(st.error());
            auto ok = compare(wanted, *st, nodes_, "nginx " + spec_.include_file);
            if (lb_url_.empty() || (ok && confirming) || (!ok && settle.expired())) return ok;
            confirming = ok.has_value();
            std::this_thread::sleep_for(ok ? kWorkerOverlap : 20ms);
        }
    }

    // nginx (OSS) keeps no per-server counts, but after a reload the old workers finish the requests they
    // proxied, each on its own TCP connection to the node: those are counted on the LB host with
    // `ss -Hntp state established dst HOST:PORT`, only the ones nginx holds (process name in `users:`). When
    // ss cannot see process names (not root), every connection from the LB host to the node counts.
    // Closing them has no nginx command: close_sessions stays Unsupported and the node stops as it is.
    Result<int> open_sessions(const std::string& node, const Deadline& d) override {
        auto it = spec_.upstreams.find(node);
        if (it == spec_.upstreams.end()) return fail(ErrorCode::Usage, "no upstream for node " + node);
        auto r = runner_->run({"ss", "-Hntp", "state", "established", "dst", it->second}, "", d);
        if (!r) return fail(r.error().with_context("ss on " + runner_->where() + ": "));
        if (r->exit_code != 0)
            return fail(ErrorCode::Remote,
                        "`ss` failed on " + runner_->where() + " (iproute2 installed?): " + net::last_lines(r->err));
        return count_nginx_connections(r->out);
    }

    Result<std::vector<std::string>> setup_gaps(const Deadline& d) override {
        auto content = read_include(d);
        if (!content) return fail(content.error());
        const std::string fix = "; `ncbctl traffic setup` prints the include line and the server block";
        if (!content->has_value())
            return std::vector<std::string>{"ncbctl's include file " + spec_.include_file + " is missing on " +
                                            runner_->where() +
                                            ": `ncbctl traffic setup --write` writes it (so nginx can start)" + fix};
        if (!parse_nginx_marker(**content))
            return std::vector<std::string>{spec_.include_file + " is not ncbctl's file (no '" +
                                            std::string(kNginxMarkerPrefix) +
                                            "' first line): move it away, then `ncbctl traffic setup --write`"};
        if (lb_url_.empty()) return std::vector<std::string>{};
        auto probe = probe_variant(d);
        if (!probe || !probe->variant.empty()) return std::vector<std::string>{};  // unreachable: status says
        return std::vector<std::string>{util::redact_url(lb_url_) + " answers without the " +
                                        std::string(kMaintenanceHeader) + " header: nginx does not load " +
                                        spec_.include_file + " (add `include " + spec_.include_file +
                                        ";` inside http {}), or the server block has its own add_header lines" + fix};
    }

private:
    Result<std::optional<std::string>> read_include(const Deadline& d) {
        return read_lb_file(*runner_, spec_.include_file, d);
    }

    // The variant the LB answers with: its X-Ncbctl-Traffic header; without that header (an operator's
    // add_header hides ours) only "maintenance" (503) or "serving" can be told apart. A fresh connection
    // each time, so a worker of the previous configuration is not asked twice over keep-alive.
    struct Probe {
        long status = 0;
        std::string variant;
        [[nodiscard]] std::string describe() const {
            return variant.empty() ? "HTTP " + std::to_string(status) + " without X-Ncbctl-Traffic" : variant;
        }
    };
    Result<Probe> probe_variant(const Deadline& d) const {
        net::HttpClient http;
        net::HttpRequest req{.url = lb_url_, .tls = tls_};
        req.max_body = 1U << 20U;
        auto r = http.perform(req, d.capped(3000ms));
        if (!r) return fail(r.error());
        return Probe{r->status, r->header("x-ncbctl-traffic")};
    }

    Result<ExecResult> run_step(const Argv& argv, const Deadline& d) {
        auto r = runner_->run(argv, "", d);
        if (!r) return fail(r.error().with_context("nginx on " + runner_->where() + ": "));
        return r;
    }

    Status switch_to(const TrafficState& wanted, const Deadline& d) {
        NginxSettings s = base_;
        if (spec_.bypass) {
            auto secret = resolve_secret(spec_.bypass->secret);
            if (!secret)
                return fail(
                    secret.error().with_context("traffic.bypass.secret (" + spec_.bypass->secret.describe() + "): "));
            s.bypass_secret = std::move(*secret);
        }
        const std::string node =
            wanted.mode == TrafficMode::Partial ? join(wanted.admitted_nodes, ",") : wanted.pinned_node;
        auto content = render_nginx_include(s, wanted.mode, node);
        if (!content) return fail(content.error());
        const int mode = nginx_include_mode(spec_);
        auto old = read_include(d);
        if (!old) return fail(old.error());
        // The first switch sets nginx up: its configuration cannot load while the include is missing, so
        // the LB may not answer yet. Writing the file is what makes `nginx -t` pass and the reload work.
        const bool first = !old->has_value();
        if (first)
            spdlog::info("nginx: {} is missing on {}: writing it ({} variant), then `{}` and `{}`", spec_.include_file,
                         runner_->where(), describe(wanted), net::shell_join(spec_.test_command),
                         net::shell_join(spec_.reload_command));
        if (auto ok = write_nginx_files(*runner_, spec_, s, *content, first, d); !ok) return ok;

        auto test = run_step(spec_.test_command, d);
        if (!test) return restore(*old, mode, d, test.error());
        if (test->exit_code != 0) {
            Error e{ErrorCode::Remote, "`" + net::shell_join(spec_.test_command) + "` rejected the " +
                                           describe(wanted) + " variant of " + spec_.include_file + ": " +
                                           redact(nginx_complaint(*test), s.bypass_secret) +
                                           "; the previous file was restored, fix the nginx configuration"};
            return restore(*old, mode, d, e);
        }
        auto reload = run_step(spec_.reload_command, d);
        if (!reload) return fail(reload.error());
        if (reload->exit_code != 0)
            return fail(ErrorCode::Remote,
                        "`" + net::shell_join(spec_.reload_command) + "` failed on " + runner_->where() + ": " +
                            redact(nginx_complaint(*reload), s.bypass_secret) +
                            (first ? "; " + spec_.include_file +
                                         " is written now and nginx -t accepts the configuration: start nginx "
                                         "(e.g. `systemctl start nginx`), then `ncbctl traffic status`"
                                   : "; is nginx running?"));
        if (first) spdlog::info("nginx: wrote {} and reloaded nginx", spec_.include_file);
        spdlog::debug("nginx {}: switched to {}", spec_.include_file, describe(wanted));
        return verify(wanted, d);
    }

    Status restore(const std::optional<std::string>& old, int mode, const Deadline& d, const Error& cause) {
        Status back = old ? runner_->write_file(spec_.include_file, *old, d, mode) : [&]() -> Status {
            auto r = runner_->run({"rm", "-f", "--", spec_.include_file}, "", d);
            if (!r) return fail(r.error());
            return {};
        }();
        if (!back)
            return fail(cause.code,
                        cause.message + "; restoring the previous file failed too: " + back.error().message);
        return fail(cause);
    }

    TrafficSpec spec_;
    std::vector<std::string> nodes_;
    std::string lb_url_;
    TlsOptions tls_;
    NginxSettings base_;
    std::unique_ptr<CommandRunner> runner_;
};

}  // namespace

std::unique_ptr<TrafficSwitch> make_nginx_switch(const Inventory& inv, std::unique_ptr<CommandRunner> runner) {
    return std::make_unique<NginxSwitch>(inv, std::move(runner));
}

}  // namespace ncbctl::traffic
