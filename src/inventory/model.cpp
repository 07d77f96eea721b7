// Small methods of the inventory model and secret resolution (the loader is loader.cpp).
#include <spdlog/spdlog.h>

#include <mutex>
#include <set>

#include "inventory/bounded_read.hpp"
#include "ncbctl/inventory.hpp"

namespace ncbctl {

std::string SecretRef::describe() const {
    if (!env.empty()) return "env " + env;
    if (!file.empty()) return "file " + file;
    return "none";
}

std::string Diagnostic::to_string() const {
    std::string out = file;
    if (line > 0) {
        out += ":" + std::to_string(line);
        if (column > 0) out += ":" + std::to_string(column);
    }
    return out + ": " + message;
}

const Node* Inventory::find_node(std::string_view name) const {
    for (const auto& n : nodes)
        if (n.name == name) return &n;
    return nullptr;
}

const Node& Inventory::canary_node() const {
    if (const Node* n = find_node(canary)) return *n;
    return nodes.front();
}

namespace {

// Once per file and process: a secret is read at every use (each sign-in, each node).
void warn_loose_mode_once(const std::string& path, const inv::FileFacts& facts) {
    auto w = inv::secret_mode_warning(path, facts);
    if (!w) return;
    static std::mutex mu;
    static std::set<std::string> warned;
    const std::lock_guard lock(mu);
    if (warned.insert(path).second) spdlog::warn("{}", *w);
}

}  // namespace

// A `_file` secret must be a regular file of at most 64 KiB, not empty once trailing newlines are
// stripped (else an Auth error naming the file, never its content); one others may read is used, with a
// warning logged once per file.
Result<std::string> resolve_secret(const SecretRef& ref) {
    if (!ref.env.empty()) {
        const char* v = std::getenv(ref.env.c_str());
        if (v == nullptr || *v == '\0')
            return fail(ErrorCode::Auth,
                        "environment variable " + ref.env + " is not set; export it or use a _file reference");
        return std::string(v);
    }
    if (!ref.file.empty()) {
        // Often with the cluster lock held: a FIFO or /dev/zero must fail at once, not hang or fill memory.
        auto r = inv::read_regular_file(ref.file, inv::kMaxSecretBytes);
        if (!r) return fail(ErrorCode::Auth, "secret file " + ref.file + " " + r.error().text);
        warn_loose_mode_once(ref.file, r->facts);
        std::string s = std::move(r->content);
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
        if (s.empty()) return fail(ErrorCode::Auth, "secret file " + ref.file + " is empty");
        return s;
    }
    return fail(ErrorCode::Auth, "no secret reference given");
}

}  // namespace ncbctl
