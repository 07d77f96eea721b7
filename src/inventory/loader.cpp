// Entry points of the inventory loader: read the file, parse YAML, run every section parser and the
// cross-reference checks, and return either a complete Inventory or every diagnostic found.
#include <filesystem>

#include "inventory/bounded_read.hpp"
#include "inventory/schema.hpp"
#include "inventory/yaml_limits.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/load_options.hpp"
#include "util/sha256.hpp"

namespace ncbctl {

namespace {

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

// 1-based line and column of the first CR not followed by LF: yaml-cpp reads such a file as one line
// and reports a confusing error further on.
std::optional<std::pair<int, int>> lone_carriage_return(std::string_view text) {
    int line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        } else if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) {
            return std::pair{line, static_cast<int>(i - line_start + 1)};
        }
    }
    return std::nullopt;
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
    if (inv.lock.backend == "redis" && inv.lock.redis.key.empty() && !inv.cluster.empty())
        inv.lock.redis.key = "ncbctl:lock:" + inv.cluster;
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
    if (auto cr = lone_carriage_return(yaml_text)) {
        sink.error_at(cr->first, cr->second,
                      "a carriage return (CR) without a line feed ends a line here; save the file with LF "
                      "(Unix) line ends, e.g. `tr '\\r' '\\n' < old > new`");
        return std::unexpected(sink.take());
    }
    std::vector<YAML::Node> docs;
    try {
        // Bounded first (a cheap streaming pass): the node tree costs far more memory than the text.
        if (auto p = inv::check_yaml_limits(yaml_text)) {
            sink.error(p->at, p->message);
            return std::unexpected(sink.take());
        }
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
    if (opts.warnings != nullptr) *opts.warnings = sink.take_warnings();
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
    // A regular file only, and never more than the cap read, whatever its size claims: a FIFO, `<(cmd)`
    // or /dev/zero would otherwise be read without end (or block) before any check could run.
    auto text = inv::read_regular_file(path, inv::kMaxInventoryBytes, true);
    if (!text) {
        using Kind = inv::ReadError::Kind;
        const inv::ReadError& e = text.error();
        switch (e.kind) {
            case Kind::TooLarge:
                return file_error(path, "cannot read inventory: larger than 4 MiB; is this the right file?");
            case Kind::Interrupted:
                return file_error(path, "interrupted while reading the inventory");
            case Kind::NotRegular:
                if (e.detail == "a directory")
                    return file_error(path, "cannot read inventory: it is a directory" + hint);
                return file_error(path, "cannot read inventory: it " + e.text +
                                            "; write it to a file first (e.g. `cmd > inventory.yaml`, then -i "
                                            "inventory.yaml)");
            case Kind::Unreadable:
                break;
        }
        return file_error(path, "cannot read inventory: " + e.detail + hint);
    }
    return parse_inventory(text->content, path, opts);
}

}  // namespace ncbctl
