#include "workflow/job_log.hpp"

namespace ncbctl::workflow {

void JobLog::info(const std::string& line) {
    keep(line);
    if (!quiet_) out_ << line << '\n' << std::flush;
}

void JobLog::warn(const std::string& line) {
    keep("warning: " + line);
    err_ << "warning: " << line << '\n';
}

void JobLog::error(const std::string& line) {
    keep("error: " + line);
    err_ << "ncbctl: " << line << '\n';
}

std::string JobLog::tail() const {
    std::string out;
    for (const auto& l : lines_) out += l + '\n';
    return out;
}

void JobLog::keep(const std::string& line) {
    lines_.push_back(line);
    if (lines_.size() > 20) lines_.pop_front();
}

}  // namespace ncbctl::workflow
