#include "drivers/docker/exec_stream.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "drivers/docker/streams.hpp"
#include "ncbctl/cancel.hpp"
#include "util/fd.hpp"

namespace ncbctl::docker {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kNotFound = "executable file not found";

Error io(const std::string& what) {
    return {ErrorCode::Unreachable, what + ": " + std::strerror(errno), true};
}

// Waits for `events` on fd within the deadline (checking Ctrl-C every 100 ms). Error Timeout/Cancelled.
Result<short> wait_fd(int fd, short events, const Deadline& d) {
    for (;;) {
        if (abort_requested()) return fail(ErrorCode::Cancelled, "exec interrupted");
        if (d.expired()) return fail(ErrorCode::Timeout, "exec still running at its deadline", true);
        pollfd p{fd, events, 0};
        const int ms = static_cast<int>(std::min<long long>(100, std::max<long long>(1, d.remaining().count())));
        const int r = ::poll(&p, 1, ms);
        if (r < 0 && errno != EINTR) return fail(io("poll"));
        if (r > 0) return p.revents;
    }
}

// POST /exec/{id}/start on a hijacked connection: stdin from `file`, frames to `demux`.
Status start_hijacked(EngineClient& engine, const std::string& id, const std::string& file, FrameDemuxer& demux,
                      const Deadline& d) {
    auto sock_path = engine.unix_socket(d);
    if (!sock_path) return fail(sock_path.error());
    auto version = engine.api_version(d);
    if (!version) return fail(version.error());
    util::Fd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in.valid()) return fail(ErrorCode::Io, "cannot read " + file + ": " + std::strerror(errno));
    util::Fd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (sock_path->size() >= sizeof addr.sun_path) return fail(ErrorCode::Io, "engine socket path too long");
    std::memcpy(addr.sun_path, sock_path->c_str(), sock_path->size() + 1);
    if (!s.valid() || ::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return fail(io("docker engine " + engine.endpoint().display + ": connect"));
    ::fcntl(s.get(), F_SETFL, O_NONBLOCK);

    const std::string body = R"({"Detach":false,"Tty":false})";
    std::string out = "POST /" + *version + "/exec/" + id +
                      "/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                      "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    std::size_t out_off = 0;
    bool input_done = false, headers_done = false;
    std::string head;
    std::string buf(256U * 1024U, '\0');
    for (;;) {
        const bool want_write = !input_done || out_off < out.size();
        auto ev = wait_fd(s.get(), static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), d);
        if (!ev) return fail(ev.error());
        if (*ev & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t got = ::recv(s.get(), buf.data(), buf.size(), 0);
            if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (got < 0) return fail(io("docker engine: exec stream"));
            if (got == 0) break;  // the process ended: the engine closed the stream
            std::string_view chunk(buf.data(), static_cast<std::size_t>(got));
            if (!headers_done) {
                head.append(chunk);
                const auto end = head.find("\r\n\r\n");
                if (end == std::string::npos) {
                    if (head.size() > 64U * 1024U) return fail(ErrorCode::Protocol, "exec start: endless headers");
                    continue;
                }
                const bool upgraded = head.starts_with("HTTP/1.1 101") || head.starts_with("HTTP/1.1 200") ||
                                      head.starts_with("HTTP/1.0 200");
                if (!upgraded) {
                    EngineResponse r;
                    r.status = head.size() > 12 ? std::atol(head.c_str() + 9) : 0;
                    r.body = head.substr(end + 4);
                    return fail(engine.api_error(r, "exec start"));
                }
                headers_done = true;
                demux.feed(std::string_view(head).substr(end + 4));
                head.clear();
                continue;
            }
            demux.feed(chunk);
            if (demux.sink_failed()) return fail(ErrorCode::Io, "exec output could not be stored");
            continue;
        }
        if (!(*ev & POLLOUT)) continue;
        if (out_off == out.size()) {
            if (!headers_done) continue;  // the file goes after the engine switched protocols
            const ssize_t got = ::read(in.get(), buf.data(), buf.size());
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) return fail(ErrorCode::Io, "cannot read " + file + ": " + std::strerror(errno));
            if (got == 0) {
                ::shutdown(s.get(), SHUT_WR);  // EOF on the process's stdin
                input_done = true;
                continue;
            }
            out.assign(buf.data(), static_cast<std::size_t>(got));
            out_off = 0;
        }
        const ssize_t w = ::send(s.get(), out.data() + out_off, out.size() - out_off, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (w < 0) {  // the process stopped reading (pg_restore --list after the TOC): read what is left
            input_done = true;
            out_off = out.size();
            continue;
        }
        out_off += static_cast<std::size_t>(w);
    }
    if (!headers_done) return fail(ErrorCode::Protocol, "exec start: the engine closed the connection");
    return {};
}

}  // namespace

Result<ExecOutcome> exec_in_container(EngineClient& engine, const std::string& container, const ExecSpec& spec,
                                      const Deadline& d) {
    if (spec.argv.empty()) return fail(ErrorCode::Usage, "exec: empty command");
    const bool with_stdin = !spec.stdin_file.empty();
    Json create = {{"Cmd", spec.argv},
                   {"AttachStdin", with_stdin},
                   {"AttachStdout", true},
                   {"AttachStderr", true},
                   {"Tty", false}};
    if (!spec.env.empty()) create["Env"] = spec.env;
    auto cr = engine.post("/containers/" + net::url_encode(container) + "/exec", create.dump(), d);
    if (!cr) return fail(cr.error());
    if (cr->status != 201) {
        Error e = engine.api_error(*cr, "exec in container " + container);
        if (cr->status == 409) e.message += " (start the container first)";
        return fail(std::move(e));
    }
    auto created = cr->json();
    if (!created) return fail(created.error());
    const std::string id = created->value("Id", "");

    FrameDemuxer demux(spec.cap);
    if (spec.on_stdout) demux.stream_stdout_to(spec.on_stdout);
    if (with_stdin) {
        if (auto st = start_hijacked(engine, id, spec.stdin_file, demux, d); !st) return fail(st.error());
    } else {
        std::string head;  // an error answer's body (the frames are not kept twice)
        EngineRequest start{
            .method = "POST", .path = "/exec/" + id + "/start", .body = R"({"Detach":false,"Tty":false})"};
        start.on_body = [&](std::string_view chunk) {
            if (head.size() < 4096) head.append(chunk.substr(0, 4096 - head.size()));
            demux.feed(chunk);
            return !demux.sink_failed();
        };
        auto sr = engine.call(start, d);
        if (demux.sink_failed()) return fail(ErrorCode::Io, "exec output could not be stored");
        if (!sr) return fail(sr.error());
        if (sr->status != 200 && sr->status != 101) {
            sr->body = head;
            return fail(engine.api_error(*sr, "exec start in container " + container));
        }
    }
    // The stream ends when the process closes its output; the exit code can lag behind by a moment.
    for (;;) {
        auto ir = engine.get("/exec/" + id + "/json", d);
        if (!ir) return fail(ir.error());
        if (ir->status != 200) return fail(engine.api_error(*ir, "exec inspect in " + container));
        auto info = ir->json();
        if (!info) return fail(info.error());
        if (!info->value("Running", false)) {
            ExecOutcome res;
            res.exit_code = (*info)["ExitCode"].is_number_integer() ? (*info)["ExitCode"].get<int>() : -1;
            res.out = demux.out();
            res.err = demux.err();
            res.dropped = demux.dropped();
            // runc reports a missing executable on the stream with 126 or 127: one code for "not installed".
            if ((res.exit_code == 126 || res.exit_code == 127) &&
                (res.out.find(kNotFound) != std::string::npos || res.err.find(kNotFound) != std::string::npos))
                res.exit_code = 127;
            return res;
        }
        if (d.expired()) return fail(ErrorCode::Timeout, "exec: still running at the deadline", true);
        std::this_thread::sleep_for(50ms);
    }
}

}  // namespace ncbctl::docker
