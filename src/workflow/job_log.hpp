#pragma once
// What a backup job prints: `info` to stdout unless quiet, warnings and errors to stderr; the last 20 lines
// are kept for the body of the failure ping.
#include <deque>
#include <iostream>
#include <string>

namespace ncbctl::workflow {

class JobLog {
public:
    explicit JobLog(bool quiet, std::ostream& out = std::cout, std::ostream& err = std::cerr)
        : quiet_(quiet), out_(out), err_(err) {}
    void info(const std::string& line);
    void warn(const std::string& line);   // "warning: LINE"
    void error(const std::string& line);  // "ncbctl: LINE"
    [[nodiscard]] std::string tail() const;

private:
    void keep(const std::string& line);
    bool quiet_;
    std::ostream& out_;
    std::ostream& err_;
    std::deque<std::string> lines_;
};

}  // namespace ncbctl::workflow
