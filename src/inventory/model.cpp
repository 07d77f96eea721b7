// Small methods of the inventory model and secret resolution (the loader is loader.cpp).
#include <fstream>
#include <sstream>

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

Result<std::string> resolve_secret(const SecretRef& ref) {
    if (!ref.env.empty()) {
        const char* v = std::getenv(ref.env.c_str());
        if (v == nullptr || *v == '\0')
            return fail(ErrorCode::Auth,
                        "environment variable " + ref.env + " is not set; export it or use a _file reference");
        return std::string(v);
    }
    if (!ref.file.empty()) {
        std::ifstream in(ref.file, std::ios::binary);
        if (!in) return fail(ErrorCode::Auth, "cannot read secret file " + ref.file);
        std::ostringstream ss;
        ss << in.rdbuf();
        std::string s = ss.str();
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
        if (s.empty()) return fail(ErrorCode::Auth, "secret file " + ref.file + " is empty");
        return s;
    }
    return fail(ErrorCode::Auth, "no secret reference given");
}

}  // namespace ncbctl
