#include "cli/completion_script.hpp"

#include <fmt/format.h>

namespace ncbctl::cli {
namespace {

// The tables both scripts read, keyed by command path ("ncbctl", "ncbctl backup run"):
//   subs  the subcommands;  opts  every option name (help included);  desc  "name:description" lines (zsh)
//   val   "PATH|OPTION" -> what completes its value: @node @run @file @dir @text, or the choices "a,b"
//   pos   the positionals' completers in order, the last one marked '*' when it repeats
struct Tables {
    std::vector<std::pair<std::string, std::string>> subs, opts, desc, val, pos;
};

std::string completer(const OptionInfo& o) {
    switch (o.kind) {
        case ValueKind::Node:
            return "@node";
        case ValueKind::Run:
            return "@run";
        case ValueKind::File:
            return "@file";
        case ValueKind::Dir:
            return "@dir";
        case ValueKind::Choice: {
            std::string s;
            for (const auto& c : o.choices) s += (s.empty() ? "" : ",") + c;
            return s;
        }
        default:
            return "@text";
    }
}

void collect(const CommandInfo& c, Tables& t) {
    const std::string key = c.path.empty() ? "ncbctl" : "ncbctl " + c.path;
    std::string subs, opts = "-h --help", desc, pos;
    for (const auto& s : c.subcommands) {
        subs += (subs.empty() ? "" : " ") + s.name;
        std::string d;
        for (char ch : s.description) d += ch == ':' ? std::string("\\:") : std::string(1, ch);
        desc += (desc.empty() ? "" : "\n") + s.name + ":" + d;
    }
    for (const auto& o : c.options)
        for (const auto& n : o.names) {
            opts += " " + n;
            if (o.kind != ValueKind::None) t.val.emplace_back(key + "|" + n, completer(o));
        }
    for (const auto& p : c.positionals) pos += (pos.empty() ? "" : " ") + completer(p) + (p.repeatable ? "*" : "");
    if (!subs.empty()) {
        t.subs.emplace_back(key, subs);
        t.desc.emplace_back(key, desc);
    }
    t.opts.emplace_back(key, opts);
    if (!pos.empty()) t.pos.emplace_back(key, pos);
    for (const auto& s : c.subcommands) collect(s, t);
}

std::string quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string bash_table(const char* name, const std::vector<std::pair<std::string, std::string>>& rows) {
    std::string out = fmt::format("declare -gA {}=(\n", name);
    for (const auto& [k, v] : rows) out += fmt::format("  [{}]={}\n", quoted(k), quoted(v));
    return out + ")\n";
}

std::string zsh_table(const char* name, const std::vector<std::pair<std::string, std::string>>& rows) {
    std::string out = fmt::format("typeset -gA {}\n{}=(\n", name, name);
    for (const auto& [k, v] : rows) out += fmt::format("  {} {}\n", quoted(k), quoted(v));
    return out + ")\n";
}

constexpr const char* kBashBody = R"BASH(
# What completes a value: $1 the completer (see the tables), $2 the word so far.
_ncbctl_values() {
    case "$1" in
        @node) mapfile -t COMPREPLY < <(compgen -W "$("${_ncbctl_cmd[@]}" __complete nodes 2>/dev/null)" -- "$2") ;;
        @run) mapfile -t COMPREPLY < <(compgen -W "$("${_ncbctl_cmd[@]}" __complete runs 2>/dev/null)" -- "$2") ;;
        @file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$2") ;;
        @dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$2") ;;
        @text) COMPREPLY=() ;;
        *) mapfile -t COMPREPLY < <(compgen -W "${1//,/ }" -- "$2") ;;
    esac
}

# The completer of option $2's value when it takes one under command path $1 (its own or an ancestor's).
_ncbctl_lookup() {
    local p="$1" k
    while :; do
        k="$p|$2"
        if [[ -n ${_ncbctl_val[$k]+set} ]]; then printf '%s' "${_ncbctl_val[$k]}"; return 0; fi
        [[ $p == *' '* ]] || return 1
        p="${p% *}"
    done
}

_ncbctl() {
    local path=ncbctl npos=0 i w kind skip="" p opts="" cur prefix=""
    # Bash splits "--output=json" at '=' (COMP_WORDBREAKS): join such words back so each is one option.
    local -a words=()
    for ((i = 0; i <= COMP_CWORD; i++)); do
        w="${COMP_WORDS[i]}"
        if [[ $w == "=" && ${#words[@]} -gt 1 && ${words[-1]} == --* && ${words[-1]} != *=* ]]; then
            words[-1]+="="
            if ((i < COMP_CWORD)); then
                i=$((i + 1))
                words[-1]+="${COMP_WORDS[i]}"
            fi
            continue
        fi
        words+=("$w")
    done
    cur="${words[-1]}"
    # The word readline replaces: only what follows '=' when bash split there, the whole word otherwise.
    [[ ${COMP_WORDS[COMP_CWORD]} == --*=* ]] && prefix="${cur%%=*}="
    # The callback for node names and run ids reads the inventory and state directory this line names.
    _ncbctl_cmd=("${COMP_WORDS[0]}")
    for ((i = 1; i < ${#words[@]} - 1; i++)); do
        w="${words[i]}"
        if [[ -n $skip ]]; then
            case "$skip" in -i | --inventory | --state-dir) _ncbctl_cmd+=("$skip" "$w") ;; esac
            skip=""
            continue
        fi
        case "$w" in
            --inventory=* | --state-dir=*) _ncbctl_cmd+=("$w"); continue ;;
            -*=*) continue ;;
            -*) _ncbctl_lookup "$path" "$w" >/dev/null && skip="$w"; continue ;;
        esac
        if [[ " ${_ncbctl_subs[$path]} " == *" $w "* ]]; then
            path="$path $w"
            npos=0
        else
            ((npos++))
        fi
    done
    COMPREPLY=()
    if [[ -n $skip ]]; then
        kind=$(_ncbctl_lookup "$path" "$skip") && _ncbctl_values "$kind" "$cur"
        return 0
    fi
    if [[ $cur == --*=* ]]; then
        if kind=$(_ncbctl_lookup "$path" "${cur%%=*}"); then
            _ncbctl_values "$kind" "${cur#*=}"
            [[ -n $prefix ]] && COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
        fi
        return 0
    fi
    if [[ $cur == -* ]]; then
        p="$path"
        while :; do
            opts+=" ${_ncbctl_opts[$p]}"
            [[ $p == *' '* ]] || break
            p="${p% *}"
        done
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
        return 0
    fi
    if [[ -n ${_ncbctl_subs[$path]+set} ]]; then
        mapfile -t COMPREPLY < <(compgen -W "${_ncbctl_subs[$path]}" -- "$cur")
        return 0
    fi
    local -a pos
    read -r -a pos <<<"${_ncbctl_pos[$path]:-}"
    ((${#pos[@]})) || return 0
    kind="${pos[npos]:-}"
    [[ -z $kind && ${pos[-1]} == *'*' ]] && kind="${pos[-1]}"
    [[ -n $kind ]] && _ncbctl_values "${kind%\*}" "$cur"
    return 0
}
complete -F _ncbctl ncbctl
)BASH";

constexpr const char* kZshBody = R"ZSH(
_ncbctl_values() {
    case $1 in
        @node) compadd -- ${(f)"$(${_ncbctl_cmd[@]} __complete nodes 2>/dev/null)"} ;;
        @run) compadd -- ${(f)"$(${_ncbctl_cmd[@]} __complete runs 2>/dev/null)"} ;;
        @file) _files ;;
        @dir) _files -/ ;;
        @text) _message value ;;
        *) compadd -- ${(s:,:)1} ;;
    esac
}

_ncbctl_lookup() {
    local p=$1 k
    while :; do
        k="$p|$2"
        if (( ${+_ncbctl_val[$k]} )); then REPLY=${_ncbctl_val[$k]}; return 0; fi
        [[ $p == *' '* ]] || return 1
        p=${p% *}
    done
}

_ncbctl() {
    local cur=${words[CURRENT]} cmdpath=ncbctl npos=0 i w skip='' p REPLY kind
    local -a _ncbctl_cmd opts pos d
    _ncbctl_cmd=(${words[1]})
    for ((i = 2; i < CURRENT; i++)); do
        w=${words[i]}
        if [[ -n $skip ]]; then
            case $skip in -i|--inventory|--state-dir) _ncbctl_cmd+=($skip $w) ;; esac
            skip=''
            continue
        fi
        case $w in
            --inventory=*|--state-dir=*) _ncbctl_cmd+=($w); continue ;;
            -*=*) continue ;;
            -*) _ncbctl_lookup $cmdpath $w && skip=$w; continue ;;
        esac
        if [[ " ${_ncbctl_subs[$cmdpath]} " == *" $w "* ]]; then
            cmdpath="$cmdpath $w"
            npos=0
        else
            (( npos++ ))
        fi
    done
    if [[ -n $skip ]]; then
        _ncbctl_lookup $cmdpath $skip && _ncbctl_values $REPLY
        return
    fi
    if [[ $cur == --*=* ]]; then
        if _ncbctl_lookup $cmdpath ${cur%%=*}; then
            kind=$REPLY
            compset -P '*='
            _ncbctl_values $kind
        fi
        return
    fi
    if [[ $cur == -* ]]; then
        p=$cmdpath
        while :; do
            opts+=(${=_ncbctl_opts[$p]})
            [[ $p == *' '* ]] || break
            p=${p% *}
        done
        compadd -- $opts
        return
    fi
    if (( ${+_ncbctl_subs[$cmdpath]} )); then
        d=(${(f)_ncbctl_desc[$cmdpath]})
        _describe -t commands command d
        return
    fi
    pos=(${=_ncbctl_pos[$cmdpath]})
    (( ${#pos} )) || return
    kind=${pos[npos + 1]}
    [[ -z $kind && ${pos[-1]} == *'*' ]] && kind=${pos[-1]}
    [[ -n $kind ]] && _ncbctl_values ${kind%\*}
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _ncbctl "$@"
else
    compdef _ncbctl ncbctl
fi
)ZSH";

}  // namespace

std::string completion_script(const CommandInfo& root, std::string_view shell) {
    Tables t;
    collect(root, t);
    const std::string head = fmt::format(
        "# {} completion for ncbctl, generated from its command tree by `ncbctl __completion {}`: do not edit.\n",
        shell, shell);
    if (shell == "bash")
        return head + bash_table("_ncbctl_subs", t.subs) + bash_table("_ncbctl_opts", t.opts) +
               bash_table("_ncbctl_val", t.val) + bash_table("_ncbctl_pos", t.pos) + "declare -ga _ncbctl_cmd\n" +
               kBashBody;
    if (shell == "zsh")
        return "#compdef ncbctl\n" + head + zsh_table("_ncbctl_subs", t.subs) + zsh_table("_ncbctl_opts", t.opts) +
               zsh_table("_ncbctl_desc", t.desc) + zsh_table("_ncbctl_val", t.val) + zsh_table("_ncbctl_pos", t.pos) +
               kZshBody;
    return "";
}

}  // namespace ncbctl::cli
