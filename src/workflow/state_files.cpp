#include "workflow/state_files.hpp"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/atomic_file.hpp"
#include "util/utc_time.hpp"

namespace ncbctl::workflow {

namespace fs = std::filesystem;

Error about(const Error& e, const std::string& node) {
    const std::string prefix = "node " + node;
    return e.message.find(prefix) != std::string::npos ? e : e.with_context(prefix + ": ");
}

std::string param(const Params& p, const std::string& key) {
    auto it = p.find(key);
    return it == p.end() ? std::string() : it->second;
}

std::string utc_stamp() {
    return util::format_utc(std::time(nullptr), util::kCompactUtc);
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Status write_small_file(const std::string& path, const std::string& content) {
    // Rollback reads these back (the version to return to): durable before the step that needs them runs.
    if (const auto dir = fs::path(path).parent_path(); !dir.empty())
        if (auto d = util::create_private_directories(dir.string()); !d) return d;
    return util::write_file_atomic(path, content, 0600);
}

std::string read_small_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string join(const std::set<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
    return out;
}

std::set<std::string> split(const std::string& csv) {
    std::set<std::string> out;
    std::stringstream ss(csv);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.insert(item);
    return out;
}

}  // namespace ncbctl::workflow
