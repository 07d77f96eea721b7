#include "cli/man_page.hpp"

#include <fmt/format.h>

#include <array>
#include <string_view>
#include <utility>

#include "ncbctl/exit_code.hpp"

namespace ncbctl::cli {
namespace {

// The exit-code table of docs/exit-codes.md, keyed by the enum so a renumbering cannot leave the page behind.
constexpr std::array<std::pair<ExitCode, std::string_view>, 8> kExitCodes{{
    {ExitCode::Ok, "Success."},
    {ExitCode::Failed,
     "Failed; the cluster was left in a safe state, described in the summary (e.g. nodes started again on the old "
     "version, traffic live)."},
    {ExitCode::Usage, "Usage or inventory error; nothing was done."},
    {ExitCode::Preflight,
     "Preflight failed (a node, the load balancer, the database or the API not ready); "
     "nothing was changed."},
    {ExitCode::LockHeld, "Another run holds the cluster lock (for a scheduled backup: skipped)."},
    {ExitCode::RolledBack, "Verification failed; every completed step was undone and traffic restored."},
    {ExitCode::NeedsHuman,
     "Failed and left in maintenance: a human is needed (`ncbctl status`, then `ncbctl "
     "resume` or `ncbctl rollback`)."},
    {ExitCode::Interrupted, "Interrupted (SIGINT, SIGTERM); the journal is saved and `ncbctl resume` continues."},
}};

std::string b(const std::string& s) {
    return "\\fB" + roff_escape(s) + "\\fR";
}
std::string i(const std::string& s) {
    return "\\fI" + roff_escape(s) + "\\fR";
}

std::string page_name(const CommandInfo& c) {
    std::string n = "ncbctl";
    for (char ch : c.path) n += ch == ' ' ? '-' : ch;
    return c.path.empty() ? n : "ncbctl-" + c.path.substr(0, c.path.find(' '));
}

std::string header(const std::string& name, const std::string& version) {
    std::string upper;
    for (char c : name) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    return fmt::format(".TH {} 1 \"\" \"ncbctl {}\" \"ncbctl manual\"\n", roff_escape(upper), version);
}

std::string synopsis(const CommandInfo& c) {
    std::string s = b("ncbctl") + " [" + i("global options") + "]";
    if (!c.path.empty()) s += " " + b(c.path);
    if (!c.subcommands.empty()) s += " " + i("COMMAND");
    if (!c.options.empty()) s += " [" + i("options") + "]";
    for (const auto& p : c.positionals) {
        std::string v = i(p.value_name) + (p.repeatable ? "..." : "");
        s += " " + (p.required ? v : "[" + v + "]");
    }
    return s;
}

std::string option_item(const OptionInfo& o) {
    std::string head;
    if (!o.positional.empty()) {
        head = i(o.value_name);
    } else {
        for (const auto& n : o.names) head += (head.empty() ? "" : ", ") + b(n);
        if (o.kind != ValueKind::None) head += " " + i(o.value_name);
    }
    std::string text = roff_escape(o.description);
    if (!text.empty() && text.back() != '.') text += '.';
    if (o.required && o.positional.empty()) text += " Required.";
    if (!o.default_value.empty() && o.kind != ValueKind::None)
        text += " Default: " + roff_escape(o.default_value) + ".";
    return ".TP\n" + head + "\n" + text + "\n";
}

std::string options_section(const std::string& title, const CommandInfo& c) {
    if (c.options.empty() && c.positionals.empty()) return "";
    std::string out = title;
    for (const auto& p : c.positionals) out += option_item(p);
    for (const auto& o : c.options) out += option_item(o);
    return out;
}

// A subcommand and its own subcommands, depth first, as .SS sections of the command's page.
std::string subcommand_sections(const CommandInfo& c) {
    std::string out;
    for (const auto& s : c.subcommands) {
        out += ".SS \"" + roff_escape("ncbctl " + s.path) + "\"\n";
        out += synopsis(s) + "\n.PP\n" + roff_escape(s.description) + "\n";
        if (!s.options.empty() || !s.positionals.empty()) out += options_section(".PP\n", s);
        out += subcommand_sections(s);
    }
    return out;
}

std::string exit_status() {
    std::string out = ".SH EXIT STATUS\n";
    for (const auto& [code, text] : kExitCodes)
        out += ".TP\n" + b(std::to_string(to_int(code))) + "\n" + roff_escape(std::string(text)) + "\n";
    return out;
}

std::string root_page(const CommandInfo& root, const std::string& version) {
    std::string out = header("ncbctl", version);
    out += ".SH NAME\nncbctl \\- " + roff_escape(root.description.substr(root.description.find(": ") + 2)) + "\n";
    out += ".SH SYNOPSIS\n" + synopsis(root) + "\n";
    out +=
        ".SH DESCRIPTION\n"
        "ncbctl upgrades, backs up, maintains and rolls back a NocoBase cluster in journaled phases: preflight "
        "(changes nothing), the load balancer to a 503 page, every node stopped, a verified backup, the new "
        "version deployed, a canary started and verified alone, the other nodes, traffic back live. A failed "
        "verification undoes every completed step; an interrupted run continues with " +
        b("ncbctl resume") + ". The cluster is described by one YAML inventory (see " + b("FILES") + "); " +
        b("ncbctl init") + " writes a starter one and " + b("ncbctl validate") + " checks it.\n";
    out += options_section(".SH GLOBAL OPTIONS\nGiven before or after the command.\n", root);
    out += ".SH COMMANDS\n";
    for (const auto& s : root.subcommands)
        out += ".TP\n" + b(s.name) + "\n" + roff_escape(s.description) + " See " + b(page_name(s)) + "(1).\n";
    out +=
        ".SH FILES\n"
        ".TP\nThe inventory\nLooked up in this order: the file given by " +
        b("-i") + " " + i("FILE") + "; else " + b("$NCBCTL_INVENTORY") + "; else " + b("./ncbctl.yaml") +
        " in the current directory. Relative paths inside it (secret files, certificates) are relative to its "
        "directory. Its keys are described in /usr/share/doc/ncbctl/inventory.md; examples are in "
        "/usr/share/doc/ncbctl/examples/.\n"
        ".TP\nThe state directory\n" +
        b("--state-dir") + " " + i("DIR") + ", else " + b("$XDG_STATE_HOME/ncbctl/") + i("cluster") + ", else " +
        b("~/.local/state/ncbctl/") + i("cluster") + ": the run journals (" + b("runs/") + i("RUN") + b(".jsonl") +
        ", read by " + b("ncbctl runs") + " and " + b("ncbctl resume") + ") and the local cluster lock.\n";
    out +=
        ".SH ENVIRONMENT\n"
        ".TP\n" +
        b("NCBCTL_INVENTORY") + "\nThe inventory when " + b("-i") +
        " is not given.\n"
        ".TP\n" +
        b("XDG_STATE_HOME") +
        "\nBase of the state directory.\n"
        ".TP\n" +
        b("NO_COLOR") + "\nNo colours on stderr (like " + b("--no-color") +
        ").\n"
        ".PP\nSecrets are read at run time from the variables or files the inventory names (" +
        b("*_env") + ", " + b("*_file") + "); they never appear in logs, journals or JSON output.\n";
    out += exit_status();
    out += ".SH SEE ALSO\n";
    std::string refs;
    for (const auto& s : root.subcommands) refs += (refs.empty() ? "" : ",\n") + b(page_name(s)) + "(1)";
    out += refs + "\n";
    return out;
}

std::string command_page(const CommandInfo& c, const std::string& version) {
    const std::string name = page_name(c);
    std::string out = header(name, version);
    out += ".SH NAME\n" + roff_escape(name) + " \\- " + roff_escape(c.description) + "\n";
    out += ".SH SYNOPSIS\n" + synopsis(c) + "\n";
    out += ".SH DESCRIPTION\n" + roff_escape(c.description) + ".\n";
    out += options_section(".SH OPTIONS\n", c);
    if (!c.subcommands.empty()) out += ".SH COMMANDS\n" + subcommand_sections(c);
    out += ".SH EXIT STATUS\nSee " + b("ncbctl") +
           "(1): 0 success, 1 failed safe, 2 usage or inventory error, 3 "
           "preflight failed, 4 lock held, 5 rolled back, 6 needs a human, 130 interrupted.\n";
    out += ".SH SEE ALSO\n" + b("ncbctl") + "(1)\n";
    return out;
}

}  // namespace

std::string roff_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '\\')
            out += "\\e";
        else if (c == '-')
            out += "\\-";
        else
            out += c;
    }
    std::string fixed;  // a line starting with '.' or '\'' would be a request
    for (std::size_t k = 0; k < out.size(); ++k) {
        if ((out[k] == '.' || out[k] == '\'') && (k == 0 || out[k - 1] == '\n')) fixed += "\\&";
        fixed += out[k];
    }
    return fixed;
}

std::vector<ManPage> man_pages(const CommandInfo& root, const std::string& version) {
    std::vector<ManPage> out;
    out.push_back({"ncbctl.1", root_page(root, version)});
    for (const auto& c : root.subcommands) out.push_back({page_name(c) + ".1", command_page(c, version)});
    return out;
}

}  // namespace ncbctl::cli
