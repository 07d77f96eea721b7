// Entry points of the inventory loader: read the file, parse YAML, run every section parser and the
// cross-reference checks, and return either a complete Inventory or every diagnostic found.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "inventory/schema.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/load_options.hpp"
#include "util/sha256.hpp"

namespace ncbctl {

namespace {

constexpr std::size_t kMaxInventoryBytes = 4U * 1024U * 1024U;

// Absolute directory of the inventory file: relative local paths in it are resolved against this, so
// the loaded model holds paths that do not depend on the working directory.
std::string directory_of(const std::string& path) {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (parent.empty()) parent = ".";
    std::error_code ec;
    std::string dir = std::filesystem::absolute(parent, ec).lexically_normal().string();
    if (ec) return parent.string();
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    return dir;
}

std::unexpected<std::vector<Diagnostic>> file_error(const std::string& path, const std::string& what) {
    return std::unexpected(std::vector<Diagnostic>{{path, 0, 0, what}});
}

void parse_document(const YAML::Node& root, inv::Sink& sink, Inventory& inv) {
    using namespace inv;
    MapView top(root, root.Mark(), "", sink, kTopKeys);
    if (!top.valid()) return;
    top.string("cluster", inv.cluster, {.check = check_safe_name, .required = true});
    parse_api(top, inv);
    NodeIndex index;
    parse_nodes(top, inv, index);
    RefMarks marks;
    if (top.string("canary", inv.canary, {.check = check_safe_name})) marks.canary = top.value_mark("canary");
    parse_traffic(top, inv, marks);
    parse_database(top, inv, marks);
    parse_backup(top, inv, marks);
    parse_checks(top, inv, marks);
    parse_timeouts(top, inv);
    parse_hooks(top, inv);
    parse_lock(top, inv, marks);
    validate_references(inv, index, marks, sink);
    if (!inv.nodes.empty()) {
        if (inv.canary.empty()) inv.canary = inv.nodes.front().name;
        if (inv.lock.backend == "node" && inv.lock.node.empty()) inv.lock.node = inv.nodes.front().name;
    }
}

}  // namespace

std::expected<Inventory, std::vector<Diagnostic>> parse_inventory(const std::string& yaml_text,
                                                                  const std::string& file_name) {
    return parse_inventory(yaml_text, file_name, LoadOptions{});
}

std::expected<Inventory, std::vector<Diagnostic>> parse_inventory(const std::string& yaml_text,
                                                                  const std::string& file_name,
                                                                  const LoadOptions& opts) {
    inv::Sink sink(file_name, yaml_text, directory_of(file_name));
    std::vector<YAML::Node> docs;
    try {
        docs = YAML::LoadAll(yaml_text);
    } catch (const YAML::Exception& e) {
        sink.error(e.mark, "YAML syntax error: " + e.msg);
        return std::unexpected(sink.take());
    }
    if (docs.empty() || (docs.size() == 1 && docs.front().IsNull())) {
        sink.error_at(1, 1, "the inventory is empty; see docs/inventory.md for the keys it needs");
        return std::unexpected(sink.take());
    }
    if (docs.size() > 1) sink.error(docs[1].Mark(), "only one YAML document is allowed (remove the `---` separator)");
    Inventory inv;
    parse_document(docs.front(), sink, inv);
    if (opts.check_files && !sink.failed()) sink.check_files();
    if (sink.failed()) return std::unexpected(sink.take());
    inv.source_path = file_name;
    inv.content_hash = util::sha256_hex(yaml_text);
    return inv;
}

std::expected<Inventory, std::vector<Diagnostic>> load_inventory(const std::string& path) {
    return load_inventory(path, LoadOptions{});
}

std::expected<Inventory, std::vector<Diagnostic>> load_inventory(const std::string& path, const LoadOptions& opts) {
    const std::string hint = " (give the inventory with -i FILE, $NCBCTL_INVENTORY or ./ncbctl.yaml)";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return file_error(path, std::string("cannot read inventory: ") + std::strerror(errno) + hint);
    if (S_ISDIR(st.st_mode)) return file_error(path, "cannot read inventory: it is a directory" + hint);
    if (static_cast<std::size_t>(st.st_size) > kMaxInventoryBytes)
        return file_error(path, "cannot read inventory: larger than 4 MiB; is this the right file?");
    std::ifstream in(path, std::ios::binary);
    if (!in) return file_error(path, std::string("cannot read inventory: ") + std::strerror(errno) + hint);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return file_error(path, std::string("cannot read inventory: ") + std::strerror(errno));
    return parse_inventory(ss.str(), path, opts);
}

}  // namespace ncbctl
