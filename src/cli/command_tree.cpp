#include "cli/command_tree.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>

namespace ncbctl::cli {
namespace {

std::string lower(std::string s) {
    std::ranges::transform(s, s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// IsMember's validator names its set in the option's type name: "TEXT:{docker,ssh}".
std::vector<std::string> choices_of(const std::string& type_name) {
    const auto open = type_name.find('{');
    const auto close = type_name.find('}', open);
    if (open == std::string::npos || close == std::string::npos) return {};
    std::vector<std::string> out;
    std::string cur;
    for (char c : type_name.substr(open + 1, close - open - 1)) {
        if (c == ',') {
            out.push_back(cur);
            cur.clear();
        } else if (c != ' ') {
            cur += c;
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

// What a value is completed with, from the option's names and validators. The names are the convention the
// commands follow: a node is `node`/`NODE`/`--node`/`--canary`, a run `RUN`, a file `FILE` or `--...-file`.
ValueKind kind_of(const CLI::Option& o, const std::string& type_name) {
    if (!choices_of(type_name).empty()) return ValueKind::Choice;
    if (type_name.find(":FILE") != std::string::npos) return ValueKind::File;
    std::vector<std::string> names;
    if (o.get_positional()) names.push_back(lower(o.get_name(true)));
    for (const auto& l : o.get_lnames()) names.push_back(lower(l));
    for (const auto& n : names) {
        if (n == "node" || n == "canary") return ValueKind::Node;
        if (n == "run") return ValueKind::Run;
        if (n == "inventory" || n == "file" || n.ends_with("|file") || n.ends_with("-file")) return ValueKind::File;
        if (n.ends_with("-dir") || n == "dir") return ValueKind::Dir;
    }
    return ValueKind::Text;
}

std::string value_name(const OptionInfo& info, const std::string& type_name) {
    switch (info.kind) {
        case ValueKind::Node:
            return "NODE";
        case ValueKind::Run:
            return "RUN";
        case ValueKind::File:
            return "FILE";
        case ValueKind::Dir:
            return "DIR";
        case ValueKind::Choice: {
            std::string s;
            for (const auto& c : info.choices) s += (s.empty() ? "" : "|") + c;
            return s;
        }
        default:
            break;
    }
    const std::string head = type_name.substr(0, type_name.find(':'));
    if (head == "INT" || head == "UINT") return "N";
    if (head == "FLOAT") return "NUMBER";
    return "VALUE";
}

OptionInfo option_info(const CLI::Option& o) {
    OptionInfo info;
    const std::string type_name = o.get_type_name();
    for (const auto& s : o.get_snames()) info.names.push_back("-" + s);
    for (const auto& l : o.get_lnames()) info.names.push_back("--" + l);
    if (info.names.empty()) info.positional = o.get_name(true);
    info.description = o.get_description();
    info.default_value = o.get_default_str();
    info.required = o.get_required();
    info.repeatable = o.get_items_expected_max() > 1;
    if (o.get_type_size_max() == 0) {  // a flag takes no value
        info.kind = ValueKind::None;
        return info;
    }
    info.choices = choices_of(type_name);
    info.kind = kind_of(o, type_name);
    if (info.positional.empty()) {
        info.value_name = value_name(info, type_name);
    } else {
        info.value_name = info.positional;
        std::ranges::transform(info.value_name, info.value_name.begin(),
                               [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    }
    return info;
}

CommandInfo command_info(const CLI::App& app, const std::string& path) {
    CommandInfo c;
    c.name = app.get_name();
    c.path = path;
    c.description = app.get_description();
    c.needs_subcommand = app.get_require_subcommand_min() > 0;
    for (const CLI::Option* o : app.get_options()) {
        if (o->get_group().empty()) continue;  // hidden
        if (o->get_lnames() == std::vector<std::string>{"help"}) continue;
        auto info = option_info(*o);
        (info.positional.empty() ? c.options : c.positionals).push_back(std::move(info));
    }
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); }))
        c.subcommands.push_back(command_info(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name()));
    return c;
}

}  // namespace

CommandInfo describe_tree(const CLI::App& root) {
    return command_info(root, "");
}

}  // namespace ncbctl::cli
