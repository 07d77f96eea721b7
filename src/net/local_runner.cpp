#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "net/local_runner.hpp"
#include "net/process.hpp"
#include "util/atomic_file.hpp"
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
        return util::write_file_atomic(path, content, mode);
    }
};

}  // namespace

std::unique_ptr<CommandRunner> make_local_runner() {
    return std::make_unique<LocalRunner>();
}

}  // namespace ncbctl::net
