#pragma once
// Strict access to a parsed YAML document: every read reports its own problem at the YAML position
// (FILE:LINE:COL) into a Sink and carries on, so one run lists every error. Only src/inventory/ uses
// yaml-cpp; nothing here leaks into the public headers.
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "inventory/values.hpp"
#include "ncbctl/inventory.hpp"

namespace ncbctl::inv {

// Collects diagnostics for one file. Knows the source text (for positions inside scalars) and the
// directory relative local paths are resolved against.
class Sink {
public:
    static constexpr std::size_t kMaxDiagnostics = 100;
    Sink(std::string file, std::string_view text, std::string base_dir);
    void error(const YAML::Mark& at, std::string message);
    void error_at(int line, int column, std::string message);  // 1-based
    [[nodiscard]] bool failed() const { return !diags_.empty(); }
    // Past kMaxDiagnostics errors only a count is kept (a generated file can have one per line): take()
    // ends with "... and N more errors". full(): no further message is kept, skip building costly ones.
    [[nodiscard]] bool full() const { return diags_.size() >= kMaxDiagnostics; }
    [[nodiscard]] std::vector<Diagnostic> take();  // sorted by position, stable
    [[nodiscard]] std::string_view text() const { return text_; }
    [[nodiscard]] const std::string& base_dir() const { return base_dir_; }
    // Not an error: the inventory loads (e.g. a secret file others may read).
    void warning(const YAML::Mark& at, std::string message);
    [[nodiscard]] std::vector<Diagnostic> take_warnings() { return std::move(warnings_); }
    // A local file the document refers to (`key_path` as in messages, `file` resolved), for check_files().
    // `secret`: its content is a secret (a `*_file` reference).
    void file_ref(const YAML::Mark& at, std::string key_path, std::string file, bool secret = false);
    // Reports each referenced file that does not exist, is not readable or is not a regular file (or
    // /dev/null, but never for a secret); a
    // secret file also when it is empty or larger than kMaxSecretBytes, and warns when others may read
    // it. Never reads a file.
    void check_files();

private:
    struct FileRef {
        YAML::Mark at;
        std::string key_path;
        std::string file;
        bool secret = false;
    };
    std::string file_;
    std::string_view text_;
    std::string base_dir_;
    std::vector<Diagnostic> diags_;
    std::vector<Diagnostic> warnings_;
    std::size_t dropped_ = 0;
    std::vector<FileRef> file_refs_;
};

// Whether `${VAR}` is expanded in a string value (urls, hosts, paths) or must be literal (names,
// secret references, commands).
enum class Expand { No, Yes };
// What a string value is checked against after expansion; nullopt = accepted.
using Validator = std::function<Problem(std::string_view)>;

// Position to report for a value: the value itself, or its key when the value is empty (yaml-cpp
// places an empty value on the next line).
YAML::Mark value_mark(const YAML::Node& key, const YAML::Node& value);
// "a mapping", "a list", "nothing", "a quoted string", "`abc`".
std::string describe(const YAML::Node& n);

struct Str {
    Validator check;
    Expand expand = Expand::No;
    bool required = false;
    bool allow_empty = false;
};

// Scalar readers for a value at `at` (a list element or a map value); report at `at` and return
// nullopt when the value is unusable.
std::optional<std::string> read_string(const YAML::Node& v, const YAML::Mark& at, const std::string& path, Sink& sink,
                                       const Str& opts);
std::optional<Argv> read_argv(const YAML::Node& v, const YAML::Mark& at, const std::string& path, Sink& sink,
                              const std::vector<std::string_view>& placeholders);

// ${VAR} expansion of one scalar ($${ is a literal ${). Unset variables are errors at their column.
std::optional<std::string> expand_vars(const YAML::Node& scalar, const std::string& path, Sink& sink);

// `~/x` => $HOME/x; relative => against the inventory file's directory.
std::string resolve_local_path(const std::string& p, const std::string& base_dir);

// A mapping with a fixed set of keys. The constructor reports a non-mapping node, duplicate keys and
// unknown keys (with "did you mean"; `token` next to `token_env`/`token_file` is an inline secret).
class MapView {
public:
    // `open`: any key is allowed (labels, node-name maps); duplicates are still reported.
    MapView(const YAML::Node& node, const YAML::Mark& at, std::string path, Sink& sink,
            std::vector<std::string_view> known, bool open = false);

    [[nodiscard]] bool valid() const { return valid_; }
    [[nodiscard]] bool has(std::string_view key) const;
    [[nodiscard]] YAML::Node key_node(std::string_view key) const;
    [[nodiscard]] YAML::Node value(std::string_view key) const;
    [[nodiscard]] YAML::Mark mark() const { return mark_; }
    [[nodiscard]] YAML::Mark key_mark(std::string_view key) const;    // the key's position, else the map's
    [[nodiscard]] YAML::Mark value_mark(std::string_view key) const;  // the value's position
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] std::string child(std::string_view key) const;
    [[nodiscard]] Sink& sink() const { return *sink_; }
    // Every present key in document order (for free-form maps such as labels).
    [[nodiscard]] std::vector<std::pair<YAML::Node, YAML::Node>> entries() const { return entries_; }

    void missing(std::string_view key) const;
    void error(std::string_view key, const std::string& message) const;  // "<path.key>: message" at the value

    // Typed readers: leave `out` untouched when the key is absent or the value is invalid (the
    // problem is reported). Return true only when the key is present and valid.
    bool string(std::string_view key, std::string& out, const Str& opts = {}) const;
    bool integer(std::string_view key, int& out, int min, int max, bool required = false) const;
    bool boolean(std::string_view key, bool& out) const;
    // allow_zero: "0s" is a value (off), not an error.
    bool duration(std::string_view key, std::chrono::seconds& out, bool allow_zero = false) const;
    bool choice(std::string_view key, std::string& out, const std::vector<std::string_view>& allowed,
                bool required = false) const;
    bool strings(std::string_view key, std::vector<std::string>& out, const Str& each) const;  // one or a list
    bool argv(std::string_view key, Argv& out, const std::vector<std::string_view>& placeholders,
              bool required = false) const;
    // <base>_env / <base>_file: at most one of them (exactly one when required). The file is a file_ref.
    bool secret(std::string_view base, SecretRef& out, bool required = false) const;
    bool local_path(std::string_view key, std::string& out, bool required = false) const;
    // A local path that names a file ncbctl or ssh reads (key, certificate): also a Sink::file_ref.
    bool local_file(std::string_view key, std::string& out, bool required = false) const;
    // A nested mapping; nullopt when absent (reported when required) or not a mapping.
    [[nodiscard]] std::optional<MapView> map(std::string_view key, std::vector<std::string_view> known,
                                             bool required = false) const;
    // A nested mapping with free keys, e.g. node name -> server name.
    [[nodiscard]] std::optional<MapView> open_map(std::string_view key, bool required = false) const;
    // The entries of an open map as strings; keys checked with `key_check`, values with `value`.
    [[nodiscard]] std::map<std::string, std::string> string_map(const Validator& key_check, const Str& value) const;

private:
    [[nodiscard]] const std::pair<YAML::Node, YAML::Node>* find(std::string_view key) const;

    std::string path_;
    Sink* sink_;
    YAML::Mark mark_;
    bool valid_ = false;
    std::vector<std::pair<YAML::Node, YAML::Node>> entries_;  // first occurrence of each key
    // Key -> index in entries_: duplicate checks and lookups stay linear in the map's size.
    std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace ncbctl::inv
