#include "inventory/yaml_reader.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "inventory/bounded_read.hpp"
#include "inventory/suggest.hpp"
#include "inventory/values.hpp"

namespace ncbctl::inv {

namespace {

std::string join_path(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string prefix(const std::string& path) {
    return path.empty() ? std::string() : path + ": ";
}

bool is_plain(const YAML::Node& n) {
    return n.Tag() == "?";
}

std::string join_list(const std::vector<std::string_view>& items) {
    std::string out;
    for (auto i : items) out += (out.empty() ? "" : ", ") + std::string(i);
    return out;
}

// Linux's null device (1,3), also through a symlink.
bool is_dev_null(const struct stat& st) {
    return S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

}  // namespace

Sink::Sink(std::string file, std::string_view text, std::string base_dir)
    : file_(std::move(file)), text_(text), base_dir_(std::move(base_dir)) {}

void Sink::error(const YAML::Mark& at, std::string message) {
    if (at.line < 0)
        error_at(1, 1, std::move(message));
    else
        error_at(at.line + 1, at.column + 1, std::move(message));
}

void Sink::error_at(int line, int column, std::string message) {
    if (full()) {
        ++dropped_;
        return;
    }
    diags_.push_back(Diagnostic{file_, line, column, std::move(message)});
}

void Sink::warning(const YAML::Mark& at, std::string message) {
    warnings_.push_back(Diagnostic{file_, at.line + 1, at.column + 1, "warning: " + std::move(message)});
}

void Sink::file_ref(const YAML::Mark& at, std::string key_path, std::string file, bool secret) {
    file_refs_.push_back(FileRef{at, std::move(key_path), std::move(file), secret});
}

void Sink::check_files() {
    for (const auto& r : file_refs_) {
        struct stat st {};
        const std::string what = r.key_path + ": file " + r.file;
        if (::stat(r.file.c_str(), &st) != 0 || ::access(r.file.c_str(), R_OK) != 0) {
            error(r.at, what + " does not exist (or is not readable)");
        } else if (S_ISDIR(st.st_mode)) {
            error(r.at, what + " is a directory");
        } else if (!S_ISREG(st.st_mode) && (r.secret || !is_dev_null(st))) {
            // A FIFO or a device would hang or never end when read (at use, with the cluster lock held).
            // /dev/null is a file ssh and TLS read as empty (`config_file: /dev/null`, as `ssh -F /dev/null`).
            error(r.at, what + " is " + file_type_name(st.st_mode) + ", not a regular file" +
                            (r.secret ? "" : " (or /dev/null)"));
        } else if (r.secret) {
            const FileFacts facts{.mode = st.st_mode, .size = st.st_size};
            if (auto p = secret_size_problem(facts))
                error(r.at, what + " " + *p);
            else if (auto w = secret_mode_warning(r.file, facts))
                warning(r.at, r.key_path + ": " + *w);
        }
    }
}

std::vector<Diagnostic> Sink::take() {
    std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    if (dropped_ > 0)
        diags_.push_back(Diagnostic{file_, 0, 0,
                                    "... and " + std::to_string(dropped_) + " more error" + (dropped_ == 1 ? "" : "s") +
                                        " (only the first " + std::to_string(kMaxDiagnostics) + " are shown)"});
    dropped_ = 0;
    return std::move(diags_);
}

YAML::Mark value_mark(const YAML::Node& key, const YAML::Node& value) {
    return value.IsNull() ? key.Mark() : value.Mark();
}

std::string describe(const YAML::Node& n) {
    if (n.IsNull()) return "nothing";
    if (n.IsMap()) return "a mapping";
    if (n.IsSequence()) return "a list";
    const std::string s = n.Scalar().substr(0, 60);
    // yaml-cpp gives "!" to quoted scalars and the resolved tag to explicit ones (`!!int 22`).
    if (n.Tag() == "!") return "a quoted string";
    if (!is_plain(n)) {
        std::string tag = n.Tag();
        if (constexpr std::string_view core = "tag:yaml.org,2002:"; tag.starts_with(core))
            tag = "!!" + tag.substr(core.size());
        if (tag.size() > 40) tag = tag.substr(0, 40) + "...";
        return shown(s) + " with the YAML tag " + shown(tag) + " (ncbctl reads untagged values: remove the tag)";
    }
    return shown(s);
}

std::string resolve_local_path(const std::string& p, const std::string& base_dir) {
    if (p.starts_with("~/")) {
        const char* home = std::getenv("HOME");
        return home != nullptr && *home != '\0' ? std::string(home) + p.substr(1) : p;
    }
    if (p.starts_with('/') || base_dir.empty() || base_dir == ".") return p;
    return base_dir + "/" + p;
}

std::optional<std::string> expand_vars(const YAML::Node& scalar, const std::string& path, Sink& sink) {
    const std::string& s = scalar.Scalar();
    const YAML::Mark m = scalar.Mark();
    // Exact column of s[i] when the scalar sits unescaped on one line of the source, else the scalar's start.
    auto mark_at = [&](std::size_t i) {
        YAML::Mark r = m;
        const std::string_view text = sink.text();
        if (m.pos < 0 || static_cast<std::size_t>(m.pos) >= text.size() || s.find('\n') != std::string::npos) return r;
        std::size_t start = static_cast<std::size_t>(m.pos);
        if (text[start] == '"' || text[start] == '\'') ++start;
        if (text.substr(start, i) == std::string_view(s).substr(0, i))
            r.column += static_cast<int>(start - static_cast<std::size_t>(m.pos) + i);
        return r;
    };
    std::string out;
    bool ok = true;
    std::size_t i = 0;
    while (i < s.size()) {
        if (s.compare(i, 3, "$${") == 0) {
            out += "${";
            i += 3;
            continue;
        }
        if (s.compare(i, 2, "${") != 0) {
            out += s[i++];
            continue;
        }
        const auto close = s.find('}', i + 2);
        if (close == std::string::npos) {
            sink.error(mark_at(i), prefix(path) + "unterminated `${` (write `$${` for a literal `${`)");
            return std::nullopt;
        }
        const std::string name = s.substr(i + 2, close - i - 2);
        if (check_env_name(name)) {
            sink.error(mark_at(i), prefix(path) + shown("${" + name + "}") +
                                       ": only `${NAME}` is supported (letters, digits, `_`)");
            ok = false;
        } else if (const char* v = std::getenv(name.c_str()); v == nullptr) {
            sink.error(mark_at(i), prefix(path) + "environment variable `" + name +
                                       "` is not set (write `$${` for a literal `${`)");
            ok = false;
        } else {
            out += v;
        }
        i = close + 1;
    }
    if (!ok) return std::nullopt;
    return out;
}

std::optional<std::string> read_string(const YAML::Node& v, const YAML::Mark& at, const std::string& path, Sink& sink,
                                       const Str& opts) {
    if (!v.IsScalar()) {
        sink.error(at, prefix(path) + "expected a string, got " + describe(v));
        return std::nullopt;
    }
    std::string s = v.Scalar();
    if (opts.expand == Expand::Yes) {
        auto e = expand_vars(v, path, sink);
        if (!e) return std::nullopt;
        s = std::move(*e);
    }
    if (s.empty()) {
        if (opts.allow_empty) return s;
        sink.error(at, prefix(path) + "must not be empty");
        return std::nullopt;
    }
    if (opts.check) {
        if (auto p = opts.check(s)) {
            sink.error(at, prefix(path) + *p);
            return std::nullopt;
        }
    }
    return s;
}

std::optional<Argv> read_argv(const YAML::Node& v, const YAML::Mark& at, const std::string& path, Sink& sink,
                              const std::vector<std::string_view>& placeholders) {
    Argv argv;
    bool ok = true;
    if (v.IsScalar()) {
        auto split = split_command(v.Scalar());
        if (!split) {
            sink.error(at, prefix(path) + split.error());
            return std::nullopt;
        }
        argv = std::move(*split);
    } else if (v.IsSequence()) {
        if (v.size() == 0) {
            sink.error(at, prefix(path) + "must not be an empty command");
            return std::nullopt;
        }
        std::size_t i = 0;
        for (const auto& e : v) {
            const std::string p = path + "[" + std::to_string(i++) + "]";
            if (auto s = read_string(e, e.IsNull() ? at : e.Mark(), p, sink, {.allow_empty = i > 1}))
                argv.push_back(std::move(*s));
            else
                ok = false;
        }
    } else {
        sink.error(at, prefix(path) + "expected a command (a string or a list of arguments), got " + describe(v));
        return std::nullopt;
    }
    for (const auto& a : argv) {
        if (auto p = check_placeholders(a, placeholders)) {
            sink.error(at, prefix(path) + *p);
            ok = false;
            break;
        }
    }
    if (!ok) return std::nullopt;
    return argv;
}

MapView::MapView(const YAML::Node& node, const YAML::Mark& at, std::string path, Sink& sink,
                 std::vector<std::string_view> known, bool open)
    : path_(std::move(path)), sink_(&sink), mark_(at) {
    if (!node.IsMap()) {
        sink.error(at, prefix(path_) + "expected a mapping, got " + describe(node));
        return;
    }
    valid_ = true;
    for (auto it = node.begin(); it != node.end(); ++it) {
        // Copies: `it->first` refers into a temporary the iterator hands out.
        const YAML::Node k = it->first;
        const YAML::Node v = it->second;
        if (!k.IsScalar()) {
            sink.error(k.Mark(), prefix(path_) + "keys must be plain strings, got " + describe(k));
            continue;
        }
        const std::string& name = k.Scalar();
        if (const auto [seen, fresh] = index_.try_emplace(name, entries_.size()); !fresh) {
            sink.error(k.Mark(), prefix(path_) + "duplicate key " + shown(name) + " (first at line " +
                                     std::to_string(entries_[seen->second].first.Mark().line + 1) + ")");
            continue;
        }
        entries_.emplace_back(k, v);
        if (open || std::find(known.begin(), known.end(), name) != known.end()) continue;
        // Top-level `x-...` keys hold YAML anchors for reuse (as in docker-compose); ncbctl ignores them.
        if (path_.empty() && name.starts_with("x-")) continue;
        if (name == "<<") {
            sink.error(k.Mark(), prefix(path_) +
                                     "YAML merge keys (`<<`) are not supported; alias a whole "
                                     "mapping (`ssh: *defaults`) or repeat the keys");
            continue;
        }
        const bool has_env = std::find(known.begin(), known.end(), name + "_env") != known.end();
        const bool has_file = std::find(known.begin(), known.end(), name + "_file") != known.end();
        std::string where =
            path_.empty() ? "unknown top-level key " + shown(name) : path_ + ": unknown key " + shown(name);
        if (has_env && has_file) {
            sink.error(k.Mark(), prefix(path_) + "inline secret `" + name + "` is not allowed; use `" + name +
                                     "_env: VARIABLE` or `" + name + "_file: PATH`");
        } else if (auto s = suggest(name, known)) {
            sink.error(k.Mark(), where + "; did you mean `" + *s + "`?");
        } else {
            sink.error(k.Mark(), where + " (known keys: " + join_list(known) + ")");
        }
    }
}

const std::pair<YAML::Node, YAML::Node>* MapView::find(std::string_view key) const {
    const auto it = index_.find(std::string(key));
    return it == index_.end() ? nullptr : &entries_[it->second];
}

bool MapView::has(std::string_view key) const {
    return find(key) != nullptr;
}

YAML::Node MapView::key_node(std::string_view key) const {
    const auto* e = find(key);
    return e != nullptr ? e->first : YAML::Node();
}

YAML::Node MapView::value(std::string_view key) const {
    const auto* e = find(key);
    return e != nullptr ? e->second : YAML::Node();
}

YAML::Mark MapView::key_mark(std::string_view key) const {
    const auto* e = find(key);
    return e != nullptr ? e->first.Mark() : mark_;
}

YAML::Mark MapView::value_mark(std::string_view key) const {
    const auto* e = find(key);
    return e != nullptr ? inv::value_mark(e->first, e->second) : mark_;
}

std::string MapView::child(std::string_view key) const {
    return join_path(path_, key);
}

void MapView::missing(std::string_view key) const {
    sink_->error(mark_, prefix(path_) + "missing required key `" + std::string(key) + "`");
}

void MapView::error(std::string_view key, const std::string& message) const {
    sink_->error(value_mark(key), child(key) + ": " + message);
}

bool MapView::string(std::string_view key, std::string& out, const Str& opts) const {
    const auto* e = find(key);
    if (e == nullptr) {
        if (opts.required) missing(key);
        return false;
    }
    auto s = read_string(e->second, inv::value_mark(e->first, e->second), child(key), *sink_, opts);
    if (!s) return false;
    out = std::move(*s);
    return true;
}

bool MapView::integer(std::string_view key, int& out, int min, int max, bool required) const {
    const auto* e = find(key);
    if (e == nullptr) {
        if (required) missing(key);
        return false;
    }
    const YAML::Node& v = e->second;
    const std::string range = std::to_string(min) + " to " + std::to_string(max);
    long long n = 0;
    bool numeric = v.IsScalar() && is_plain(v) && !v.Scalar().empty();
    if (numeric) {
        const std::string& s = v.Scalar();
        const std::size_t start = s.front() == '-' ? 1 : 0;
        numeric = s.size() > start && s.size() < 12 &&
                  std::all_of(s.begin() + static_cast<std::ptrdiff_t>(start), s.end(),
                              [](char c) { return c >= '0' && c <= '9'; });
        if (numeric) n = std::stoll(s);
    }
    if (!numeric) {
        error(key, "expected an integer from " + range + ", got " + describe(v));
        return false;
    }
    if (n < min || n > max) {
        error(key, shown(v.Scalar()) + " is out of range (" + range + ")");
        return false;
    }
    out = static_cast<int>(n);
    return true;
}

bool MapView::boolean(std::string_view key, bool& out) const {
    const auto* e = find(key);
    if (e == nullptr) return false;
    const YAML::Node& v = e->second;
    if (v.IsScalar() && is_plain(v)) {
        const std::string& s = v.Scalar();
        if (s == "true" || s == "True" || s == "TRUE") {
            out = true;
            return true;
        }
        if (s == "false" || s == "False" || s == "FALSE") {
            out = false;
            return true;
        }
    }
    error(key, "expected true or false, got " + describe(v));
    return false;
}

bool MapView::duration(std::string_view key, std::chrono::seconds& out, bool allow_zero) const {
    const auto* e = find(key);
    if (e == nullptr) return false;
    const YAML::Node& v = e->second;
    if (v.IsScalar()) {
        if (auto d = allow_zero ? parse_wait(v.Scalar()) : parse_duration(v.Scalar())) {
            out = *d;
            return true;
        }
    }
    error(key, "expected a duration such as 30s, 5m, 1h or 1h30m (a plain number is seconds), got " + describe(v));
    return false;
}

bool MapView::choice(std::string_view key, std::string& out, const std::vector<std::string_view>& allowed,
                     bool required) const {
    std::string s;
    if (!string(key, s, {.required = required})) return false;
    if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
        std::string msg = shown(s) + " is not one of " + join_list(allowed);
        if (auto sug = suggest(s, allowed)) msg += "; did you mean `" + *sug + "`?";
        error(key, msg);
        return false;
    }
    out = std::move(s);
    return true;
}

bool MapView::strings(std::string_view key, std::vector<std::string>& out, const Str& each) const {
    const auto* e = find(key);
    if (e == nullptr) {
        if (each.required) missing(key);
        return false;
    }
    const YAML::Node& v = e->second;
    const YAML::Mark at = inv::value_mark(e->first, v);
    std::vector<std::string> result;
    bool ok = true;
    if (v.IsSequence()) {
        if (v.size() == 0) {
            error(key, "must not be an empty list");
            return false;
        }
        std::size_t i = 0;
        for (const auto& item : v) {
            const std::string p = child(key) + "[" + std::to_string(i++) + "]";
            if (auto s = read_string(item, item.IsNull() ? at : item.Mark(), p, *sink_, each))
                result.push_back(std::move(*s));
            else
                ok = false;
        }
    } else if (auto s = read_string(v, at, child(key), *sink_, each)) {
        result.push_back(std::move(*s));
    } else {
        ok = false;
    }
    if (!ok) return false;
    out = std::move(result);
    return true;
}

bool MapView::argv(std::string_view key, Argv& out, const std::vector<std::string_view>& placeholders,
                   bool required) const {
    const auto* e = find(key);
    if (e == nullptr) {
        if (required) missing(key);
        return false;
    }
    auto a = read_argv(e->second, inv::value_mark(e->first, e->second), child(key), *sink_, placeholders);
    if (!a) return false;
    out = std::move(*a);
    return true;
}

bool MapView::secret(std::string_view base, SecretRef& out, bool required) const {
    const std::string env_key = std::string(base) + "_env";
    const std::string file_key = std::string(base) + "_file";
    const bool has_env = has(env_key);
    const bool has_file = has(file_key);
    if (has_env && has_file) {
        error(file_key, "give either `" + env_key + "` or `" + file_key + "`, not both");
        return false;
    }
    if (!has_env && !has_file) {
        if (required) missing(env_key + "` or `" + file_key);
        return false;
    }
    // Secret references are names, never expanded, and their values are never echoed: a secret
    // pasted into the wrong field must not end up on a terminal or in a CI log.
    if (has_env) {
        std::string name;
        if (!string(env_key, name)) return false;
        if (name.find("${") != std::string::npos) {
            error(env_key, "takes the variable's name (e.g. NCB_TOKEN), not `${...}`");
            return false;
        }
        if (check_env_name(name)) {
            error(env_key, "is not an environment variable name (letters, digits and `_`, e.g. NCB_TOKEN)");
            return false;
        }
        out = SecretRef{.env = name, .file = {}};
        return true;
    }
    std::string path;
    if (!string(file_key, path)) return false;
    if (path.find("${") != std::string::npos) {
        error(file_key, "secret references are taken literally; `${...}` is not expanded here");
        return false;
    }
    if (check_local_path(path)) {
        error(file_key, "is not a usable path (no control characters, not starting with `-`)");
        return false;
    }
    out = SecretRef{.env = {}, .file = resolve_local_path(path, sink_->base_dir())};
    sink_->file_ref(value_mark(file_key), child(file_key), out.file, true);
    return true;
}

bool MapView::local_path(std::string_view key, std::string& out, bool required) const {
    std::string p;
    if (!string(key, p, {.check = check_local_path, .expand = Expand::Yes, .required = required})) return false;
    out = resolve_local_path(p, sink_->base_dir());
    return true;
}

bool MapView::local_file(std::string_view key, std::string& out, bool required) const {
    if (!local_path(key, out, required)) return false;
    sink_->file_ref(value_mark(key), child(key), out);
    return true;
}

std::optional<MapView> MapView::map(std::string_view key, std::vector<std::string_view> known, bool required) const {
    const auto* e = find(key);
    if (e == nullptr) {
        if (required) missing(key);
        return std::nullopt;
    }
    MapView m(e->second, inv::value_mark(e->first, e->second), child(key), *sink_, std::move(known));
    if (!m.valid()) return std::nullopt;
    return m;
}

std::optional<MapView> MapView::open_map(std::string_view key, bool required) const {
    const auto* e = find(key);
    if (e == nullptr) {
        if (required) missing(key);
        return std::nullopt;
    }
    MapView m(e->second, inv::value_mark(e->first, e->second), child(key), *sink_, {}, true);
    if (!m.valid()) return std::nullopt;
    return m;
}

std::map<std::string, std::string> MapView::string_map(const Validator& key_check, const Str& value) const {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : entries_) {
        const std::string& name = k.Scalar();
        if (key_check) {
            if (auto p = key_check(name)) {
                sink_->error(k.Mark(), child(name) + ": key " + *p);
                continue;
            }
        }
        if (auto s = read_string(v, inv::value_mark(k, v), child(name), *sink_, value)) out.emplace(name, *s);
    }
    return out;
}

}  // namespace ncbctl::inv
