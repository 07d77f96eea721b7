#pragma once
// Shared helpers of the ssh integration tests: the peers' env file, inventory nodes pointing at them, and
// checks of real process state (pid alive, port answering).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "ncbctl/inventory.hpp"
#include "net/http.hpp"
#include "util/fd.hpp"

namespace ssh_it {

inline const std::map<std::string, std::string>& env() {
    static const auto m = [] {
        std::map<std::string, std::string> out;
        const char* dir = std::getenv("NCBCTL_SSH_PEERS_DIR");  // bench/ssh runs its own peers
        std::ifstream in(std::string(dir != nullptr ? dir : NCBCTL_SSH_PEERS) + "/env");
        std::string line;
        while (std::getline(in, line)) {
            auto eq = line.find('=');
            if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
        }
        return out;
    }();
    return m;
}

inline std::string E(const std::string& key) {
    auto it = env().find(key);
    if (it == env().end()) throw std::runtime_error("ssh peers env has no " + key + ": is the fixture up?");
    return it->second;
}

inline std::vector<std::string> ns_hosts() {
    std::vector<std::string> out;
    std::istringstream in(E("NS_HOSTS"));
    std::string h;
    while (in >> h) out.push_back(h);
    return out;
}

inline ncbctl::SshTarget lo_target() {
    ncbctl::SshTarget t;
    t.host = E("SSH_HOST");
    t.port = std::stoi(E("SSH_PORT"));
    t.user = "root";
    t.identity_file = E("ID");
    t.known_hosts_file = E("KNOWN_HOSTS");
    t.config_file = "/dev/null";  // the test machine's own ~/.ssh/config must not matter
    return t;
}

inline ncbctl::Node ssh_node(const std::string& name, ncbctl::SshTarget t, ncbctl::ServiceSpec s = {}) {
    ncbctl::Node n;
    n.name = name;
    n.driver = ncbctl::DriverKind::Ssh;
    n.ssh.target = std::move(t);
    n.ssh.service = std::move(s);
    return n;
}

inline ncbctl::Inventory inventory(std::chrono::seconds connect = std::chrono::seconds(3)) {
    ncbctl::Inventory inv;
    inv.cluster = "ssh-it";
    inv.timeouts.connect = connect;
    return inv;
}

// One GET, its answer ignored (a request the service logs).
inline void http_get(const std::string& url) {
    ncbctl::net::HttpClient http;
    (void)http.perform({.url = url}, ncbctl::Deadline::after(std::chrono::seconds(5)));
}

inline bool port_open(const std::string& ip, int port) {
    ncbctl::util::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;  // NOLINT
}

inline bool pid_alive(long pid) {
    if (pid <= 0) return false;
    std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(st, stat)) return false;
    auto close = stat.rfind(')');
    return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

inline std::string unix_request(const std::string& path, const std::string& request) {
    ncbctl::util::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return {};  // NOLINT
    if (::write(fd.get(), request.data(), request.size()) < 0) return {};
    std::string out;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
}

// Polls a real-state predicate (processes take a moment to exit); a bound, not a timing assertion.
template <class F>
bool eventually(F f, int tries = 100) {
    for (int i = 0; i < tries; ++i) {
        if (f()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return f();
}

inline std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A value that runs `touch DIR/pwn*` if any layer ever hands it to a shell unquoted.
inline std::string hostile() {
    const std::string d = E("DIR");
    return "v1 $(touch " + d + "/pwn1); `touch " + d + "/pwn2` 'q\" \\ x;y|z&& touch " + d + "/pwn3 *";
}
inline bool injected() {
    const std::string d = E("DIR");
    return std::filesystem::exists(d + "/pwn1") || std::filesystem::exists(d + "/pwn2") ||
           std::filesystem::exists(d + "/pwn3");
}

}  // namespace ssh_it
