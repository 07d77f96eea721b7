#pragma once
// The HAProxy runtime API (admin socket): parsing its replies, and sending commands either straight to a
// local unix socket or through a CommandRunner (`socat - UNIX-CONNECT:path` on the LB host).
// Failure semantics: HAProxy answers errors as text with success at the transport level ("No such
// server.", "Permission denied"), so every reply is checked here. A missing or refusing socket is
// Unreachable and transient (HAProxy recreates it while reloading).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ncbctl/command_runner.hpp"
#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"

namespace ncbctl::traffic {

struct HaproxyServer {
    std::string backend;
    std::string name;
    int op_state = -1;     // 0 stopped (down/maint), 1 starting, 2 running, 3 stopping
    int admin_state = -1;  // bit field: 0x01/0x02/0x04/0x20/0x40 maintenance kinds, 0x08/0x10 drain
    std::string status;    // from `show stat`: UP, DOWN, MAINT, DRAIN, "UP 1/2", "no check"...
    int sessions = -1;     // from `show stat`: scur, the connections open to the server now
    std::string check;     // from `show stat`: check_status of the last health check (L7OK, L4OK...), "" none
    // Admin-wise receiving new traffic (not in any maintenance nor drain); health is `status`.
    [[nodiscard]] bool enabled() const { return admin_state == 0; }
    [[nodiscard]] bool healthy() const { return op_state == 2; }
};

// `show servers state` (format version 1), every backend. Protocol error on another format.
Result<std::vector<HaproxyServer>> parse_servers_state(std::string_view text);
// Fills HaproxyServer::status and ::sessions from a `show stat` CSV (columns found by their header names).
Status merge_show_stat(std::string_view csv, std::vector<HaproxyServer>& servers);
// What a set-up lacks for ncbctl, from the reply to `show cli level` and the servers of `backend` (with
// `check` merged from `show stat`), one line each naming the fix: the socket below level admin; servers
// without a health check; servers whose check passed at layer 4 or 6 (a TCP or SSL-hello check, not
// NocoBase's HTTP `GET /api/__health_check`, so a booting node would get traffic). A check that failed at
// layer 4 (node down) says nothing about its kind and is not reported; an unknown level reply (older HAProxy)
// neither.
std::vector<std::string> haproxy_setup_gaps(std::string_view cli_level_reply, const std::vector<HaproxyServer>& servers,
                                            std::string_view backend, std::string_view socket);
// Replies of `set server` commands are empty on success; the first non-empty line is HAProxy's error.
Status check_set_reply(std::string_view reply, std::string_view where);

class HaproxyChannel {
public:
    virtual ~HaproxyChannel() = default;
    HaproxyChannel() = default;
    HaproxyChannel(const HaproxyChannel&) = delete;
    HaproxyChannel& operator=(const HaproxyChannel&) = delete;
    // Sends one command line (several commands joined by "; ") and returns the whole reply.
    virtual Result<std::string> send(const std::string& line, const Deadline&) = 0;
    [[nodiscard]] virtual std::string where() const = 0;  // "haproxy socket /run/haproxy.sock (local)"
};

std::unique_ptr<HaproxyChannel> make_local_haproxy_channel(std::string socket_path);
std::unique_ptr<HaproxyChannel> make_runner_haproxy_channel(std::string socket_path,
                                                            std::unique_ptr<CommandRunner> runner);

}  // namespace ncbctl::traffic
