#pragma once
// One process run inside a running container through the Engine API (POST /containers/{id}/exec, then
// /exec/{id}/start, then /exec/{id}/json for the exit code), with stdout streamed to a sink or captured and
// stderr kept (capped); both demultiplexed from the 8-byte frames (FrameDemuxer).
// Without stdin the start is an ordinary libcurl request. With stdin (a restore's dump) the connection is
// hijacked as the docker CLI does (Connection: Upgrade, Upgrade: tcp) on a raw stream of the engine
// (EngineClient::open_stream: the unix socket, the ssh:// forward, TCP, or TLS for tcp:// with TLS): the
// file is written into it, then the write side is ended (TLS close_notify and a TCP half-close; the engine
// closes the process's stdin), and the frames are read until the engine closes. Every wait is bounded by
// the deadline and the second Ctrl-C ends it.
// Environment values (`env`, "K=V") travel only in the exec-create body: never in an argv, never logged.
// Failure semantics: Error NotFound (no such container), Conflict (not running), Remote (any other engine
// answer), Unreachable/Timeout (transport), Cancelled (Ctrl-C), Io (the sink refused data); messages do
// not name the node (the caller does). A command the container does not have is exit 127.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/docker/engine_client.hpp"
#include "ncbctl/node_driver.hpp"

namespace ncbctl::docker {

struct ExecSpec {
    Argv argv;
    std::vector<std::string> env;                     // "K=V"
    std::string stdin_file;                           // streamed into stdin (hijacked connection)
    std::function<bool(std::string_view)> on_stdout;  // streamed stdout; empty: captured in ExecOutcome::out
    std::size_t cap = 16U * 1024U * 1024U;            // per captured stream
};

struct ExecOutcome {
    int exit_code = -1;
    std::string out, err;
    std::uint64_t dropped = 0;  // captured bytes over `cap`
};

Result<ExecOutcome> exec_in_container(EngineClient& engine, const std::string& container, const ExecSpec& spec,
                                      const Deadline& deadline);

}  // namespace ncbctl::docker
