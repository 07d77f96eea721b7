#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "net/local_runner.hpp"
#include "net/process.hpp"
#include "util/fd.hpp"

namespace ncbctl::net {
namespace {

class LocalRunner final : public CommandRunner {
public:
    [[nodiscard]] std::string where() const override { return "local"; }

    Result<ExecResult> run(const Argv& argv, const std::string& stdin_data, const Deadline& deadline) override {
        auto r = net::run_process({.argv = argv, .stdin_data = stdin_data}, deadline);
        if (!r) return fail(r.error());
        return ExecResult{r->exit_code, std::move(r->out), std::move(r->err)};
    }

    Status write_file(const std::string& path, const std::string& content, const Deadline&, int mode) override {
        const std::string tmp = path + ".ncbctl-tmp." + std::to_string(::getpid());
        util::Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode)));
        if (!fd.valid()) return fail(ErrorCode::Io, "cannot write " + tmp + ": " + std::strerror(errno));
        std::size_t off = 0;
        while (off < content.size()) {
            const ssize_t w = ::write(fd.get(), content.data() + off, content.size() - off);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                ::unlink(tmp.c_str());
                return fail(ErrorCode::Io, "cannot write " + tmp + ": " + std::strerror(errno));
            }
            off += static_cast<std::size_t>(w);
        }
        ::fchmod(fd.get(), static_cast<mode_t>(mode));
        if (::fsync(fd.get()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
            const std::string why = std::strerror(errno);
            ::unlink(tmp.c_str());
            return fail(ErrorCode::Io, "cannot replace " + path + ": " + why);
        }
        return {};
    }
};

}  // namespace

std::unique_ptr<CommandRunner> make_local_runner() {
    return std::make_unique<LocalRunner>();
}

}  // namespace ncbctl::net
