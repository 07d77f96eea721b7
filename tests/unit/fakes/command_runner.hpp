#pragma once
// A recording fake of CommandRunner for the traffic unit tests: every call is recorded, replies come
// from a handler the test sets.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ncbctl/command_runner.hpp"

namespace ncbctl::test {

struct RunnerLog {
    std::vector<Argv> argvs;
    std::vector<std::string> stdins;
    std::map<std::string, std::string> files;  // path -> last content written
    std::map<std::string, int> modes;
};

class FakeRunner final : public CommandRunner {
public:
    using Handler = std::function<ExecResult(const Argv&, const std::string&)>;
    FakeRunner(RunnerLog& log, Handler h) : log_(log), handler_(std::move(h)) {}
    [[nodiscard]] std::string where() const override { return "fake host"; }
    Result<ExecResult> run(const Argv& argv, const std::string& stdin_data, const Deadline&) override {
        log_.argvs.push_back(argv);
        log_.stdins.push_back(stdin_data);
        return handler_(argv, stdin_data);
    }
    Status write_file(const std::string& path, const std::string& content, const Deadline&, int mode) override {
        log_.files[path] = content;
        log_.modes[path] = mode;
        return {};
    }

private:
    RunnerLog& log_;
    Handler handler_;
};

}  // namespace ncbctl::test
