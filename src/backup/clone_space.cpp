#include "backup/clone_space.hpp"

#include <charconv>
#include <vector>

#include "backup/database_dump.hpp"
#include "net/process.hpp"
#include "util/backup_names.hpp"

namespace ncbctl::backup {
namespace {

std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) out.push_back(line.substr(start, i - start));
    }
    return out;
}

}  // namespace

std::optional<std::uint64_t> df_available_bytes(std::string_view out) {
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.remove_suffix(1);
    const auto nl = out.rfind('\n');
    if (nl == std::string_view::npos) return std::nullopt;  // a header and one line at least
    const auto w = words(out.substr(nl + 1));
    // Filesystem 1024-blocks Used Available Capacity Mounted-on
    if (w.size() < 6) return std::nullopt;
    std::uint64_t kb = 0;
    const auto [p, ec] = std::from_chars(w[3].data(), w[3].data() + w[3].size(), kb);
    if (ec != std::errc() || p != w[3].data() + w[3].size()) return std::nullopt;
    return kb * 1024;
}

bool host_is_tools_machine(std::string_view host) {
    return host.empty() || host.starts_with('/') || host == "localhost" || host == "::1" || host.starts_with("127.");
}

Status space_verdict(const ServerSpace& s, const std::string& db_name) {
    if (!s.checkable || s.available >= s.needed) return {};
    return fail(ErrorCode::Conflict, "database server: " + s.dir + " has " + human_bytes(s.available) +
                                         " free; the in-window copy of " + db_name + " needs " + human_bytes(s.needed) +
                                         " (its size + 64 MiB): free space there, or use "
                                         "backup.in_window: dump");
}

Result<ServerSpace> clone_space(ToolRunner& tools, const DatabaseSpec& db, const Deadline& d) {
    ServerSpace s;
    // The database's size always; its directory only for who may read data_directory (CASE keeps
    // current_setting from raising the permission error for the others).
    auto r = run_psql(tools, db, "postgres",
                      "select pg_database_size(d.oid) || '|' || coalesce(nullif(pg_tablespace_location("
                      "d.dattablespace), ''), case when (select rolsuper from pg_roles where rolname = current_user) "
                      "or pg_has_role(current_user, 'pg_read_all_settings', 'USAGE') then "
                      "current_setting('data_directory') end, '') from pg_database d where d.datname = " +
                          pg_literal(db.name),
                      d);
    if (!r) return fail(r.error());
    const auto bar = r->find('|');
    if (bar == std::string::npos) return fail(ErrorCode::NotFound, "database " + db.name + ": not found");
    s.needed = std::stoull(r->substr(0, bar)) + kCloneMargin;
    s.dir = r->substr(bar + 1);
    if (!host_is_tools_machine(db.host)) {
        s.reason = "the server " + db.host + " is not on the machine the tools run on (" + tools.where() + ")";
        return s;
    }
    if (s.dir.empty()) {
        s.reason = "user " + db.user + " may not read data_directory (superuser or pg_read_all_settings)";
        return s;
    }
    auto df = tools.run(ToolCall{.argv = {"df", "-Pk", s.dir}}, d);
    if (!df) return fail(df.error());
    auto avail = df->ok() ? df_available_bytes(df->out) : std::nullopt;
    if (!avail) {
        s.reason = "df -Pk " + s.dir + " on " + tools.where() + " answered no figure (" +
                   net::last_lines(df->ok() ? df->out : df->err, 1) + ")";
        return s;
    }
    s.available = *avail;
    s.checkable = true;
    return s;
}

}  // namespace ncbctl::backup
