#include "drivers/ssh/ssh_transport.hpp"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <vector>

#include "ncbctl/cancel.hpp"
#include "net/process.hpp"
#include "util/atomic_file.hpp"
#include "util/ssh_options.hpp"

namespace ncbctl::ssh {
namespace {

constexpr int kControlPersistSeconds = 120;  // idle life of a master if we die without `-O exit`
// The host's `timeout` fires this long after our own deadline, so the local Timeout normally wins.
constexpr Duration kRemoteTimeoutSlack{2000};

// Control sockets live here; never freed so the atexit hook can still use it during static teardown.
// After fork() a child inherits this state: dir_pid/owner pids keep it from touching the parent's masters.
struct Registry {
    std::mutex mu;
    std::string dir;
    pid_t dir_pid = 0;
    std::map<SshTransport*, pid_t> owner;
    unsigned counter = 0;
    std::map<std::string, std::weak_ptr<SshTransport>> shared;
};

Registry& registry() {
    static auto* r = new Registry;
    return *r;
}

void close_all_at_exit() {
    auto& r = registry();
    std::vector<SshTransport*> live;
    {
        std::lock_guard g(r.mu);
        for (auto [t, pid] : r.owner)
            if (pid == ::getpid()) live.push_back(t);
    }
    for (auto* t : live) t->close();
    std::lock_guard g(r.mu);
    if (!r.dir.empty() && r.dir_pid == ::getpid()) {
        std::error_code ec;
        std::filesystem::remove_all(r.dir, ec);
        r.dir.clear();
    }
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool has_control_or_space(std::string_view s) {
    return std::ranges::any_of(s, [](unsigned char c) { return c < 0x20 || c == 0x7f || c == ' '; });
}

// ssh applies %-token and ~ expansion to identity and known-hosts paths: a literal `%` is written `%%`.
std::string ssh_token_path(std::string_view p) {
    std::string out;
    for (char c : p) {
        out += c;
        if (c == '%') out += '%';
    }
    return out;
}

// A path inside an `-o Key=value` option: ssh splits that value on whitespace (UserKnownHostsFile takes a
// list), so a path with a blank is double-quoted (validate_target refuses quotes and newlines in paths).
std::string ssh_option_path(std::string_view p) {
    std::string out = ssh_token_path(p);
    if (out.find_first_of(" \t") != std::string::npos) out = "\"" + out + "\"";
    return out;
}

bool socket_exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

std::string one_line(std::string_view text) {
    std::string s = net::last_lines(text, 1, 200);
    std::ranges::replace(s, '\r', ' ');
    return s;
}

std::string read_cmdline(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ranges::replace(s, '\0', ' ');
    return s;
}

std::string octal(int mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%o", static_cast<unsigned>(mode) & 07777U);
    return buf;
}

}  // namespace

Argv with_remote_timeout(const Argv& remote, Duration remaining) {
    if (remaining >= Duration(std::chrono::hours(24))) return remote;
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(remaining + kRemoteTimeoutSlack).count();
    Argv a{"timeout", "-k", "2", std::to_string(std::max<long long>(1, secs))};
    a.insert(a.end(), remote.begin(), remote.end());
    return a;
}

std::string_view to_string(SshFault f) noexcept {
    switch (f) {
        case SshFault::None:
            return "none";
        case SshFault::Refused:
            return "refused";
        case SshFault::Unreachable:
            return "unreachable";
        case SshFault::UnknownHost:
            return "unknown-host";
        case SshFault::ConnectTimeout:
            return "connect-timeout";
        case SshFault::Auth:
            return "auth";
        case SshFault::HostKey:
            return "host-key";
        case SshFault::Dropped:
            return "dropped";
        case SshFault::Config:
            return "config";
    }
    return "none";
}

SshFault classify_ssh_stderr(std::string_view err) {
    const std::string e = lower(err);
    auto has = [&](std::string_view needle) { return e.find(needle) != std::string::npos; };
    if (has("host key verification failed") || has("remote host identification has changed") ||
        has("host key is known for"))
        return SshFault::HostKey;
    if (has("permission denied (") || has("too many authentication failures") ||
        has("no supported authentication methods") || has("no more authentication methods"))
        return SshFault::Auth;
    if (has("connection refused")) return SshFault::Refused;
    if (has("could not resolve hostname")) {
        return has("temporary failure") ? SshFault::Unreachable : SshFault::UnknownHost;
    }
    if (has("no route to host") || has("network is unreachable")) return SshFault::Unreachable;
    if (has("closed by remote host") || has("connection reset") || has("broken pipe") || has("connection closed by") ||
        has("not responding") || has("read from master failed") || has("kex_exchange_identification"))
        return SshFault::Dropped;
    if (has("timed out")) return SshFault::ConnectTimeout;
    if (has("bad configuration option") || has("command-line line") || has("garbage at end of line") ||
        has("bad port") || has("no such identity") || has("can't open user config file") || has("unsupported option"))
        return SshFault::Config;
    return SshFault::None;
}

Error fault_error(SshFault f, std::string_view who, std::string_view detail) {
    const std::string w(who);
    const std::string d = detail.empty() ? std::string() : " (" + std::string(detail) + ")";
    switch (f) {
        case SshFault::Refused:
            return {ErrorCode::Unreachable, w + ": connection refused" + d + "; check that sshd runs and the port",
                    true};
        case SshFault::Unreachable:
            return {ErrorCode::Unreachable, w + ": host unreachable" + d + "; check the network and jump host", true};
        case SshFault::UnknownHost:
            return {ErrorCode::Unreachable, w + ": host name does not resolve" + d + "; fix the inventory host", false};
        case SshFault::ConnectTimeout:
            return {ErrorCode::Timeout, w + ": connection timed out" + d + "; check the host, firewall and jump host",
                    true};
        case SshFault::Auth:
            return {ErrorCode::Auth,
                    w + ": authentication refused" + d +
                        "; check user, identity file and authorized_keys (BatchMode: no password prompt)",
                    false};
        case SshFault::HostKey:
            return {
                ErrorCode::HostKey,
                w + ": host key unknown or changed" + d +
                    "; verify the key and add it to known_hosts (or host_key_checking: accept-new on first contact)",
                false};
        case SshFault::Dropped:
            return {ErrorCode::Unreachable,
                    w + ": connection dropped during the command" + d + "; the command may have partly run", true};
        case SshFault::Config:
            return {ErrorCode::Inventory, w + ": ssh rejected its options" + d, false};
        case SshFault::None:
            break;
    }
    return {ErrorCode::Unreachable, w + ": ssh failed" + d, true};
}

Status validate_target(const SshTarget& t) {
    auto bad = [](std::string_view v) { return !v.empty() && (v.front() == '-' || has_control_or_space(v)); };
    if (t.host.empty()) return fail(ErrorCode::Inventory, "ssh host is empty");
    if (bad(t.host)) return fail(ErrorCode::Inventory, "ssh host '" + t.host + "' is not a host name");
    if (bad(t.user) || t.user.find_first_of("@:") != std::string::npos)
        return fail(ErrorCode::Inventory, "ssh user '" + t.user + "' is not a user name");
    if (bad(t.jump_host)) return fail(ErrorCode::Inventory, "ssh jump host '" + t.jump_host + "' is not valid");
    if (t.port < 1 || t.port > 65535)
        return fail(ErrorCode::Inventory, "ssh port " + std::to_string(t.port) + " is out of range");
    if (t.host_key_checking != "strict" && t.host_key_checking != "accept-new")
        return fail(ErrorCode::Inventory,
                    "host_key_checking '" + t.host_key_checking + "' must be strict or accept-new");
    for (const auto* p : {&t.identity_file, &t.known_hosts_file, &t.config_file}) {
        if (p->find_first_of("\"\n\r") != std::string::npos)
            return fail(ErrorCode::Inventory, "ssh file path '" + *p + "' contains a quote or newline");
    }
    // The inventory schema checked these already; a target built elsewhere gets the same allowlist.
    for (const auto& o : t.options)
        if (auto p = util::ssh_option_problem(o)) return fail(ErrorCode::Inventory, *p);
    return {};
}

Result<std::string> control_dir() {
    auto& r = registry();
    std::lock_guard g(r.mu);
    if (!r.dir.empty() && r.dir_pid == ::getpid()) return r.dir;
    std::string base = "/tmp";
    if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x != nullptr && *x == '/' && std::string_view(x).size() < 40 &&
                                                        std::string_view(x).find_first_of(" %\t") == std::string::npos)
        base = x;
    std::string tmpl = base + "/ncbctl-ssh.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {  // mkdtemp makes it 0700: sockets are for us only
        return fail(ErrorCode::Io, "cannot create a private directory for ssh control sockets under " + base);
    }
    r.dir = tmpl;
    r.dir_pid = ::getpid();
    r.shared.clear();  // transports inherited over fork() belong to the parent
    static bool hooked = false;
    if (!hooked) {
        std::atexit(close_all_at_exit);
        hooked = true;
    }
    return r.dir;
}

Duration connect_timeout(const Inventory& inventory) {
    return std::chrono::duration_cast<Duration>(inventory.timeouts.connect);
}

Result<std::shared_ptr<SshTransport>> transport_for(const Node& node, Duration connect) {
    if (node.driver == DriverKind::Ssh) return SshTransport::shared(node.name, node.ssh.target, connect);
    if (!node.docker.ssh.host.empty()) return SshTransport::shared(node.name, node.docker.ssh, connect);
    return fail(ErrorCode::Inventory, "node " + node.name + " has no ssh target");
}

Result<std::shared_ptr<SshTransport>> SshTransport::open(std::string node, SshTarget target, Duration connect_timeout) {
    if (auto v = validate_target(target); !v) return fail(v.error().with_context("node " + node + ": "));
    auto dir = control_dir();
    if (!dir) return fail(dir.error());
    std::string path;
    {
        auto& r = registry();
        std::lock_guard g(r.mu);
        path = *dir + "/cm-" + std::to_string(++r.counter);
    }
    std::shared_ptr<SshTransport> t(
        new SshTransport(std::move(node), std::move(target), connect_timeout, std::move(path)));
    return t;
}

Result<std::shared_ptr<SshTransport>> SshTransport::shared(const std::string& node, const SshTarget& target,
                                                           Duration connect_timeout) {
    std::string key = node + '\n' + target.host + '\n' + std::to_string(target.port) + '\n' + target.user + '\n' +
                      target.identity_file + '\n' + target.jump_host + '\n' + target.host_key_checking + '\n' +
                      target.known_hosts_file + '\n' + target.config_file;
    for (const auto& o : target.options) key += '\n' + o;
    auto& r = registry();
    {
        std::lock_guard g(r.mu);
        if (auto it = r.shared.find(key); it != r.shared.end()) {
            if (auto sp = it->second.lock()) return sp;
        }
    }
    auto t = open(node, target, connect_timeout);
    if (!t) return t;
    std::lock_guard g(r.mu);
    r.shared[key] = *t;
    return t;
}

SshTransport::SshTransport(std::string node, SshTarget target, Duration connect_timeout, std::string control_path)
    : node_(std::move(node)),
      target_(std::move(target)),
      connect_timeout_(connect_timeout),
      control_path_(std::move(control_path)),
      owner_pid_(::getpid()) {
    auto& r = registry();
    std::lock_guard g(r.mu);
    r.owner[this] = ::getpid();
}

SshTransport::~SshTransport() {
    close();
    auto& r = registry();
    std::lock_guard g(r.mu);
    r.owner.erase(this);
}

std::string SshTransport::destination() const {
    return target_.user.empty() ? target_.host : target_.user + "@" + target_.host;
}

std::string SshTransport::who() const {
    return "node " + node_ + " (" + destination() + ":" + std::to_string(target_.port) + ")";
}

Argv SshTransport::common_options(bool multiplexed) const {
    const auto secs =
        std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(connect_timeout_).count());
    Argv a;
    if (!target_.config_file.empty()) a.insert(a.end(), {"-F", target_.config_file});
    a.insert(a.end(), {
                          "-o",
                          "BatchMode=yes",
                          "-o",
                          "ConnectTimeout=" + std::to_string(secs),
                          "-o",
                          std::string("StrictHostKeyChecking=") +
                              (target_.host_key_checking == "accept-new" ? "accept-new" : "yes"),
                      });
    // Keep-alive defaults, unless the inventory tunes them (ssh.options may: they are on the allowlist).
    if (!util::sets_ssh_option(target_.options, "ServerAliveInterval"))
        a.insert(a.end(), {"-o", "ServerAliveInterval=5"});
    if (!util::sets_ssh_option(target_.options, "ServerAliveCountMax"))
        a.insert(a.end(), {"-o", "ServerAliveCountMax=3"});
    if (!target_.known_hosts_file.empty())
        a.insert(a.end(), {"-o", "UserKnownHostsFile=" + ssh_option_path(target_.known_hosts_file)});
    if (!target_.identity_file.empty())
        // Not `-i`: ssh stat()s the -i argument as given, then percent-expands it, so a path with a `%`
        // fails either way ("not accessible" with %% doubled, "unknown key" without). IdentityFile is expanded
        // before use, and a quoted value may hold blanks.
        a.insert(a.end(), {"-o", "IdentityFile=" + ssh_option_path(target_.identity_file), "-o", "IdentitiesOnly=yes"});
    if (!target_.jump_host.empty()) a.insert(a.end(), {"-J", target_.jump_host});
    if (multiplexed) {
        a.insert(a.end(), {"-o", "ControlMaster=auto", "-o", "ControlPath=" + control_path_, "-o",
                           "ControlPersist=" + std::to_string(kControlPersistSeconds)});
    } else {
        a.insert(a.end(), {"-o", "ControlMaster=no", "-o", "ControlPath=none"});
    }
    // After ours: for -o the first value wins, so inventory extras cannot override the options above.
    for (const auto& o : target_.options)
        if (auto opt = util::parse_ssh_option(o)) a.insert(a.end(), {"-o", opt->text()});
    return a;
}

Argv SshTransport::ssh_argv(const Argv& remote, bool multiplexed, const Argv& extra) const {
    Argv a{"ssh"};
    auto common = common_options(multiplexed);
    a.insert(a.end(), common.begin(), common.end());
    a.insert(a.end(), extra.begin(), extra.end());
    if (target_.port != 22) a.insert(a.end(), {"-p", std::to_string(target_.port)});
    if (!target_.user.empty()) a.insert(a.end(), {"-l", target_.user});
    a.insert(a.end(), {"--", target_.host});
    if (!remote.empty()) a.push_back(net::shell_join(remote));
    return a;
}

Status SshTransport::connect(const Deadline& deadline) {
    std::lock_guard g(master_mu_);
    if (master_started_ && socket_exists(control_path_)) return {};
    // -f -N: the client forks into the background once authenticated and becomes the master; its exit
    // code tells us whether the connection works.
    auto r = net::run_process({.argv = ssh_argv({}, true, {"-f", "-N"})},
                              deadline.capped(connect_timeout_ * 2 + Duration(10000)));
    if (!r) {
        if (r.error().code == ErrorCode::Timeout)
            return fail(fault_error(SshFault::ConnectTimeout, who(), "no answer before the deadline"));
        return fail(r.error().with_context(who() + ": "));
    }
    if (r->exit_code != 0) {
        auto f = classify_ssh_stderr(r->err);
        return fail(fault_error(f == SshFault::None ? SshFault::Dropped : f, who(), one_line(r->err)));
    }
    master_started_ = true;
    master_pid_ = 0;  // for close() when spawning `ssh -O exit` is not possible (second Ctrl-C)
    auto chk = net::run_process({.argv = ssh_argv({}, true, {"-O", "check"})}, deadline.capped(Duration(5000)));
    if (chk && chk->exit_code == 0) {
        if (auto p = chk->err.find("pid="); p != std::string::npos) master_pid_ = std::atol(chk->err.c_str() + p + 4);
    }
    return {};
}

bool SshTransport::master_alive() const {
    if (!socket_exists(control_path_)) return false;
    auto r = net::run_process({.argv = ssh_argv({}, true, {"-O", "check"})}, Deadline::after(Duration(3000)));
    return r && r->exit_code == 0;
}

void SshTransport::close() noexcept {
    try {
        std::lock_guard g(master_mu_);
        if (!master_started_ || owner_pid_ != ::getpid()) return;
        master_started_ = false;
        bool done = false;
        if (!abort_requested() && socket_exists(control_path_)) {  // an abort would kill `ssh -O exit` at once
            auto r = net::run_process({.argv = ssh_argv({}, true, {"-O", "exit"})}, Deadline::after(Duration(5000)));
            done = r && r->exit_code == 0;
        }
        // Fallback: signal the master itself, only if that PID still runs ssh with our ControlPath.
        if (!done && master_pid_ > 0 &&
            read_cmdline(master_pid_).find("ControlPath=" + control_path_) != std::string::npos)
            ::kill(static_cast<pid_t>(master_pid_), SIGTERM);
        master_pid_ = 0;
        ::unlink(control_path_.c_str());
    } catch (...) {  // NOLINT(bugprone-empty-catch): called from destructors and atexit
    }
}

Result<ExecResult> SshTransport::run_impl(const Argv& remote, const Deadline& deadline, net::ProcessOptions io) {
    if (remote.empty()) return fail(ErrorCode::Internal, who() + ": empty remote command");
    if (auto c = connect(deadline); !c) return fail(c.error());
    const auto timeout_error = [&] {
        return fail(ErrorCode::Timeout,
                    who() + ": '" + remote.front() + "' did not finish before its deadline; stopped it on the host");
    };
    io.argv = ssh_argv(with_remote_timeout(remote, deadline.remaining()));
    auto r = net::run_process(io, deadline);
    if (!r) {
        if (r.error().code == ErrorCode::Timeout) return timeout_error();
        return fail(r.error().with_context(who() + ": "));
    }
    if ((r->exit_code == 124 || r->exit_code == 137) && deadline.remaining() < kRemoteTimeoutSlack)
        return timeout_error();
    if (r->exit_code == 255 || r->term_signal != 0) {
        auto f = classify_ssh_stderr(r->err);
        // Through a master the client prints nothing when the connection dies: ask the master.
        if (f == SshFault::None && !master_alive()) f = SshFault::Dropped;
        if (f != SshFault::None) return fail(fault_error(f, who(), one_line(r->err)));
    }
    return ExecResult{r->exit_code, std::move(r->out), std::move(r->err)};
}

Result<ExecResult> SshTransport::run(const Argv& remote, const Deadline& deadline, const std::string& stdin_data) {
    return run_impl(remote, deadline, {.stdin_data = stdin_data});
}

Result<ExecResult> SshTransport::run_streaming(const Argv& remote, const Deadline& deadline, net::ProcessOptions io) {
    return run_impl(remote, deadline, std::move(io));
}

Result<ExecResult> SshTransport::run_to_file(const Argv& remote, const std::string& local_file,
                                             const Deadline& deadline) {
    return run_impl(remote, deadline, {.stdout_file = local_file});
}

Status SshTransport::write_file(const std::string& remote_path, const std::string& content, const Deadline& deadline,
                                int mode) {
    // Paths travel as positional parameters, never inside the script text.
    static const std::string script =
        "set -e; t=\"$1.ncbctl-tmp.$$\"; trap 'rm -f \"$t\"' EXIT; cat > \"$t\"; chmod \"$2\" \"$t\"; "
        "mv -f -- \"$t\" \"$1\"; trap - EXIT";
    auto r = run({"sh", "-c", script, "sh", remote_path, octal(mode)}, deadline, content);
    if (!r) return fail(r.error());
    if (r->exit_code != 0)
        return fail(ErrorCode::Remote, who() + ": cannot write " + remote_path + ": " + one_line(r->err));
    return {};
}

Result<std::optional<std::string>> SshTransport::read_file(const std::string& remote_path, const Deadline& deadline) {
    auto r = run({"sh", "-c", "[ -e \"$1\" ] || exit 66; exec cat -- \"$1\"", "sh", remote_path}, deadline);
    if (!r) return fail(r.error());
    if (r->exit_code == 66) return std::optional<std::string>();
    if (r->exit_code != 0)
        return fail(ErrorCode::Remote, who() + ": cannot read " + remote_path + ": " + one_line(r->err));
    return std::optional<std::string>(std::move(r->out));
}

Status SshTransport::put_file(const std::string& local_path, const std::string& remote_path, const Deadline& deadline,
                              int mode) {
    if (::access(local_path.c_str(), R_OK) != 0)
        return fail(ErrorCode::Io, "cannot read " + local_path + " to copy it to " + who());
    if (auto c = connect(deadline); !c) return fail(c.error());
    const std::string tmp = remote_path + ".ncbctl-tmp." + std::to_string(::getpid());
    const bool v6 = target_.host.find(':') != std::string::npos;
    std::string dest =
        (target_.user.empty() ? "" : target_.user + "@") + (v6 ? "[" + target_.host + "]" : target_.host) + ":" + tmp;
    // -s: SFTP protocol, so the remote path is never given to a remote shell.
    Argv a{"scp", "-q", "-s"};
    auto common = common_options(true);
    a.insert(a.end(), common.begin(), common.end());
    if (target_.port != 22) a.insert(a.end(), {"-P", std::to_string(target_.port)});
    a.insert(a.end(), {"--", local_path, dest});
    auto r = net::run_process({.argv = a}, deadline);
    if (!r) return fail(r.error().with_context(who() + ": copying " + local_path + ": "));
    if (r->exit_code != 0) {
        auto f = classify_ssh_stderr(r->err);
        if (f != SshFault::None) return fail(fault_error(f, who(), one_line(r->err)));
        return fail(ErrorCode::Remote, who() + ": cannot upload to " + remote_path + ": " + one_line(r->err));
    }
    auto mv = run({"sh", "-c", "chmod \"$3\" \"$1\" && mv -f -- \"$1\" \"$2\" || { rm -f -- \"$1\"; exit 1; }", "sh",
                   tmp, remote_path, octal(mode)},
                  deadline);
    if (!mv) return fail(mv.error());
    if (mv->exit_code != 0)
        return fail(ErrorCode::Remote, who() + ": cannot move upload into " + remote_path + ": " + one_line(mv->err));
    return {};
}

Status SshTransport::get_file(const std::string& remote_path, const std::string& local_path, const Deadline& deadline) {
    const std::string tmp = local_path + ".ncbctl-tmp";
    auto r = run_to_file({"cat", "--", remote_path}, tmp, deadline);
    if (!r) {
        ::unlink(tmp.c_str());
        return fail(r.error());
    }
    if (r->exit_code != 0) {
        ::unlink(tmp.c_str());
        const bool missing = r->err.find("No such file") != std::string::npos;
        return fail(missing ? ErrorCode::NotFound : ErrorCode::Remote,
                    who() + ": cannot read " + remote_path + ": " + one_line(r->err));
    }
    if (auto c = util::commit_atomic(tmp, local_path); !c) {
        ::unlink(tmp.c_str());
        return fail(c.error());
    }
    return {};
}

}  // namespace ncbctl::ssh
