#pragma once
// Incremental parsers for the engine's streamed answers, fed chunk by chunk from HttpRequest::on_body
// so memory stays constant whatever the size of the stream.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ncbctl::docker {

// The 8-byte framed stream of attach/exec/logs without a TTY: [stream, 0, 0, 0, size(be32)] payload.
// Stream 1 = stdout, 2 = stderr (0 = stdin echo, counted as stdout). Output past `cap` bytes per stream is
// dropped (counted in dropped()), so a chatty command cannot exhaust memory. `merged`: both streams go to
// out() in arrival order, as the engine sent them (a container's logs read as one text).
class FrameDemuxer {
public:
    explicit FrameDemuxer(std::size_t cap = 16U * 1024U * 1024U, bool merged = false) : cap_(cap), merged_(merged) {}
    // Streams stdout payloads to `sink` instead of out() (a database dump: nothing is kept). Once the sink
    // returns false, later stdout is dropped and sink_failed() is true.
    void stream_stdout_to(std::function<bool(std::string_view)> sink) { sink_ = std::move(sink); }
    [[nodiscard]] bool sink_failed() const { return sink_failed_; }
    void feed(std::string_view chunk);
    [[nodiscard]] const std::string& out() const { return out_; }
    [[nodiscard]] const std::string& err() const { return err_; }
    [[nodiscard]] std::uint64_t dropped() const { return dropped_; }
    // True when the stream ended inside a frame (truncated answer).
    [[nodiscard]] bool partial() const { return header_fill_ != 0 || remaining_ != 0; }

private:
    void append(std::string& to, std::string_view data);
    std::size_t cap_;
    bool merged_;
    std::function<bool(std::string_view)> sink_;
    bool sink_failed_ = false;
    std::string out_, err_;
    unsigned char header_[8] = {};
    std::size_t header_fill_ = 0;
    std::uint32_t remaining_ = 0;
    int stream_ = 1;
    std::uint64_t dropped_ = 0;
};

// Splits a stream into '\n'-terminated lines (JSON progress messages of pull/import/build). A single line
// longer than max_line is cut at max_line (the rest of that line is skipped) to keep memory bounded.
class LineSplitter {
public:
    using Sink = std::function<bool(std::string_view line)>;  // false = stop
    explicit LineSplitter(Sink sink, std::size_t max_line = 1024U * 1024U) : sink_(std::move(sink)), max_(max_line) {}
    bool feed(std::string_view chunk);
    bool finish();  // delivers a last line without '\n'

private:
    Sink sink_;
    std::size_t max_;
    std::string line_;
    bool skipping_ = false;
};

// One regular file in a ustar archive (header + data + two zero blocks): what PUT /containers/{id}/archive
// takes to drop a small file (the NocoBase .upgrading marker) into a container, created or running.
std::string single_file_tar(std::string_view name, std::string_view content, unsigned mode = 0644);

// RFC 4648 base64 with the URL-safe alphabet, as the engine decodes X-Registry-Auth.
std::string base64url(std::string_view data);

}  // namespace ncbctl::docker
