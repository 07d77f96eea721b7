#include "drivers/docker/exec_stream.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "drivers/docker/streams.hpp"
#include "ncbctl/cancel.hpp"
#include "net/fd_wait.hpp"
#include "util/fd.hpp"

namespace ncbctl::docker {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kNotFound = "executable file not found";

// Waits for `events` on the stream within the deadline (the second Ctrl-C ends it). Error Timeout/Cancelled.
Status wait_for(const net::ByteStream& s, short events, const Deadline& d) {
    auto w = net::wait_fd(s.fd(), events, d, net::OnAbort::Stop);
    if (w) return {};
    if (w.error().code == ErrorCode::Cancelled) return fail(ErrorCode::Cancelled, "exec interrupted");
    return fail(ErrorCode::Timeout, "exec still running at its deadline", true);
}

// The engine's answer to the start request: false until its headers are complete; then the frames that
// followed them go to `demux`, or a refusal becomes the engine's error.
Result<bool> take_head(EngineClient& engine, std::string& head, FrameDemuxer& demux) {
    const auto end = head.find("\r\n\r\n");
    if (end == std::string::npos) {
        if (head.size() > 64U * 1024U) return fail(ErrorCode::Protocol, "exec start: endless headers");
        return false;
    }
    const bool upgraded =
        head.starts_with("HTTP/1.1 101") || head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200");
    if (!upgraded) {
        EngineResponse r;
        r.status = head.size() > 12 ? std::atol(head.c_str() + 9) : 0;
        r.body = head.substr(end + 4);
        return fail(engine.api_error(r, "exec start"));
    }
    demux.feed(std::string_view(head).substr(end + 4));
    head.clear();
    return true;
}

// POST /exec/{id}/start on a hijacked connection (unix socket, TCP or TLS): stdin from `file`, frames to
// `demux`. One loop drives both directions without blocking: reading whenever the engine sends, writing the
// request, then the file, then ending the write side (the process's stdin sees end of input).
Status start_hijacked(EngineClient& engine, const std::string& id, const std::string& file, FrameDemuxer& demux,
                      const Deadline& d) {
    auto version = engine.api_version(d);
    if (!version) return fail(version.error());
    util::Fd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in.valid()) return fail(ErrorCode::Io, "cannot read " + file + ": " + std::strerror(errno));
    auto conn = engine.open_stream(d);
    if (!conn) return fail(conn.error());
    net::ByteStream& s = **conn;

    const std::string body = R"({"Detach":false,"Tty":false})";
    std::string out = "POST /" + *version + "/exec/" + id +
                      "/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                      "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    std::size_t out_off = 0;
    bool input_done = false, write_closed = false, write_failed = false, headers_done = false;
    std::string head;
    std::string buf(256U * 1024U, '\0');
    for (;;) {
        if (abort_requested()) return fail(ErrorCode::Cancelled, "exec interrupted");
        if (d.expired()) return fail(ErrorCode::Timeout, "exec still running at its deadline", true);
        bool progressed = false;
        short want = 0;

        auto r = s.try_read(buf.data(), buf.size());
        if (!r) {
            if (write_failed) break;  // the engine dropped the connection while we wrote: its exit code says why
            return fail(r.error().with_context("exec stream: "));
        }
        if (r->eof) break;  // the process ended: the engine closed the stream
        want |= r->want;
        if (r->bytes > 0) {
            progressed = true;
            std::string_view chunk(buf.data(), r->bytes);
            if (!headers_done) {
                head.append(chunk);
                auto done = take_head(engine, head, demux);
                if (!done) return fail(done.error());
                headers_done = *done;
            } else {
                demux.feed(chunk);
            }
            if (demux.sink_failed()) return fail(ErrorCode::Io, "exec output could not be stored");
        }

        // The file goes after the engine switched protocols.
        if (out_off == out.size() && headers_done && !input_done) {
            out.resize(buf.size());
            const ssize_t got = ::read(in.get(), out.data(), out.size());
            if (got < 0 && errno != EINTR)
                return fail(ErrorCode::Io, "cannot read " + file + ": " + std::strerror(errno));
            out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
            out_off = 0;
            input_done = got == 0;
        }
        if (out_off < out.size()) {
            auto w = s.try_write(out.data() + out_off, out.size() - out_off);
            if (!w) {  // the process stopped reading (pg_restore --list after the TOC): read what is left
                write_failed = input_done = write_closed = true;
                out_off = out.size();
            } else {
                out_off += w->bytes;
                progressed = progressed || w->bytes > 0;
                want |= w->want;
            }
        } else if (input_done && !write_closed) {
            auto c = s.try_close_write();  // EOF on the process's stdin
            if (!c) return fail(c.error().with_context("exec stream: "));
            write_closed = c->bytes > 0;
            progressed = progressed || write_closed;
            want |= c->want;
        }
        if (!progressed)
            if (auto st = wait_for(s, want != 0 ? want : static_cast<short>(POLLIN), d); !st) return fail(st.error());
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
