#include "backup/database_dump.hpp"
#include "util/utc_time.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <nlohmann/json.hpp>
#include <random>

#include "backup/pg_dump_args.hpp"
#include "net/process.hpp"
#include "util/atomic_file.hpp"
#include "util/fd.hpp"
#include "util/sha256.hpp"

namespace ncbctl::backup {
namespace {

namespace fs = std::filesystem;

bool is_postgres(const DatabaseSpec& db) {
    return db.dialect == "postgres";
}

std::string tool(const std::string& override_path, const char* fallback) {
    return override_path.empty() ? std::string(fallback) : override_path;
}

// The tool's environment: the password travels as a secret (never in argv, a log or a file), see ToolCall.
struct ClientEnv {
    std::map<std::string, std::string> env, secret;
};

Result<ClientEnv> client_env(const DatabaseSpec& db) {
    ClientEnv e;
    if (is_postgres(db)) e.env["PGCONNECT_TIMEOUT"] = "10";
    if (db.password.empty()) return e;
    auto pw = resolve_secret(db.password);
    if (!pw) return fail(pw.error().with_context("database password: "));
    e.secret[is_postgres(db) ? "PGPASSWORD" : "MYSQL_PWD"] = *pw;
    return e;
}

ToolCall call(Argv argv, const ClientEnv& e, std::string stdin_file = {}) {
    return ToolCall{.argv = std::move(argv), .env = e.env, .secret_env = e.secret, .stdin_file = std::move(stdin_file)};
}

// pg_restore reading `path`: by name when the tool sees this machine's files (it can seek: data offsets),
// else streamed into its stdin.
ToolCall pg_restore_call(const ToolRunner& tools, Argv argv, const ClientEnv& e, const std::string& path) {
    if (!tools.shares_files()) return call(std::move(argv), e, path);
    argv.push_back(path);
    return call(std::move(argv), e);
}

std::vector<std::string> pg_conn(const DatabaseSpec& db, const std::string& dbname) {
    return {"-h", db.host, "-p", std::to_string(db.port), "-U", db.user, "-d", dbname};
}

std::vector<std::string> my_conn(const DatabaseSpec& db) {
    return {"-h", db.host, "-P", std::to_string(db.port), "-u", db.user};
}

Error tool_failed(const std::string& what, const ToolResult& r, const ToolRunner& tools) {
    return {ErrorCode::Remote, what + " failed (exit " + std::to_string(r.exit_code) + ", " + tools.where() +
                                   "): " + net::last_lines(r.err, 2)};
}

// Runs a tool; a tool missing where it runs becomes NotFound naming the place.
Result<ToolResult> run(ToolRunner& tools, const ToolCall& c, const Deadline& deadline) {
    auto r = tools.run(c, deadline);
    if (!r) return fail(r.error());
    if (r->missing())
        return fail(ErrorCode::NotFound, tools.where() + ": " + c.argv[0] +
                                             " is not installed there (install the database client tools, or set "
                                             "database.dump_command / restore_command)");
    return r;
}

std::string utc_now_iso() {
    return util::format_utc(std::time(nullptr), util::kIsoUtc);
}

Error io_error(const std::string& what, const std::string& path) {
    return {ErrorCode::Io, "cannot " + what + " " + path + ": " + std::strerror(errno)};
}

// A rename is durable only once its directory is synced: without it a crash can lose the file a manifest names.
// Proves the dump readable without touching a database: pg_restore reads the whole TOC (fed the file on
// stdin where it runs; it stops reading after the TOC); a mysqldump file ends with its completion marker
// only when the dump finished.
Result<std::string> check_readable(ToolRunner& tools, const DatabaseSpec& db, const std::string& path,
                                   const ClientEnv& env, const Deadline& deadline) {
    if (is_postgres(db)) {
        auto r =
            run(tools, pg_restore_call(tools, {tool(db.restore_command, "pg_restore"), "--list"}, env, path), deadline);
        if (!r) return fail(r.error());
        if (!r->ok()) return fail(tool_failed("pg_restore --list " + path, *r, tools));
        std::size_t entries = 0;
        for (std::size_t pos = 0; (pos = r->out.find('\n', pos)) != std::string::npos; ++pos)
            if (pos + 1 < r->out.size() && r->out[pos + 1] != ';') ++entries;
        if (entries == 0) return fail(ErrorCode::Verification, path + ": pg_restore lists no entries");
        return "pg_restore --list: " + std::to_string(entries) + " entries";
    }
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return fail(ErrorCode::Io, "cannot read " + path);
    const auto size = static_cast<std::streamoff>(in.tellg());
    const std::streamoff tail_len = std::min<std::streamoff>(size, 512);
    std::string tail(static_cast<std::size_t>(tail_len), '\0');
    in.seekg(size - tail_len);
    in.read(tail.data(), tail_len);
    if (tail.find("-- Dump completed") == std::string::npos)
        return fail(ErrorCode::Verification, path + ": no '-- Dump completed' line: the dump is truncated");
    return std::string("mysqldump completion line present");
}

Status write_manifest(const DumpManifest& m) {
    nlohmann::json j{
        {"path", m.path},     {"dialect", m.dialect}, {"database", m.database},       {"sha256", m.sha256},
        {"bytes", m.bytes},   {"created", m.created}, {"verified_by", m.verified_by}, {"verified_at", utc_now_iso()},
        {"run_id", m.run_id}, {"ran_on", m.ran_on},   {"seconds", m.seconds},         {"format", 1}};
    if (!m.dumped_from.empty()) j["dumped_from"] = m.dumped_from;
    j["dump_format"] = m.dump_format;
    if (m.data_offsets) j["data_offsets"] = true;
    if (!m.files.empty()) {
        auto files = nlohmann::json::array();
        for (const auto& f : m.files) files.push_back({{"name", f.name}, {"sha256", f.sha256}, {"bytes", f.bytes}});
        j["files"] = std::move(files);
    }
    return write_private_file(manifest_path(m.path), j.dump(2) + "\n");
}

// Removes a temporary dump (a file, or a directory dump's tree) unless released.
struct Cleanup {
    std::string path;
    explicit Cleanup(std::string p) : path(std::move(p)) {}
    Cleanup(const Cleanup&) = delete;
    Cleanup& operator=(const Cleanup&) = delete;
    ~Cleanup() {
        std::error_code ec;
        if (!path.empty()) fs::remove_all(path, ec);
    }
};

// A directory dump is read by pg_restore by name: only where the tools see this machine's files.
Status needs_shared_files(const ToolRunner& tools, const std::string& path) {
    std::error_code ec;
    if (tools.shares_files() || !fs::is_directory(path, ec)) return {};
    return fail(ErrorCode::Unsupported, path +
                                            " is a directory dump: pg_restore reads it by name, so it needs "
                                            "database.run_on: local (tools on " +
                                            tools.where() + ")");
}

// pg_dump -Fd -j N -Z c -f TMP (pg_dump creates TMP and syncs its files), then every file hashed and synced,
// the directory synced, pg_restore --list over it, and one rename into place. A killed run leaves at most
// `<dir>.partial`, removed by the next dump of that name.
Result<DumpManifest> dump_directory(ToolRunner& tools, const DatabaseSpec& db, const std::string& source,
                                    const std::string& tmp_path, const std::string& final_path, const ClientEnv& env,
                                    const Deadline& deadline) {
    if (!tools.shares_files())
        return fail(ErrorCode::Unsupported,
                    "database.dump_format: directory needs database.run_on: local (tools on " + tools.where() + ")");
    std::error_code ec;
    fs::remove_all(tmp_path, ec);
    if (ec) return fail(ErrorCode::Io, "cannot remove the leftover " + tmp_path + ": " + ec.message());
    if (fs::exists(final_path, ec)) return fail(ErrorCode::Io, final_path + " already exists");
    Cleanup cleanup{tmp_path};
    Argv argv{tool(db.dump_command, "pg_dump")};
    for (auto& a : pg_dump_format_args(db)) argv.push_back(a);
    argv.push_back("--no-password");
    for (auto& a : pg_conn(db, source)) argv.push_back(a);
    argv.insert(argv.end(), {"-f", tmp_path});
    auto r = run(tools, call(argv, env), deadline);
    if (!r) return fail(r.error().with_context("database backup: "));
    if (!r->ok()) return fail(tool_failed(argv[0] + " of database " + source, *r, tools));
    ::chmod(tmp_path.c_str(), 0700);
    auto digest = digest_directory(tmp_path, true);
    if (!digest) return fail(digest.error());
    if (digest->bytes == 0)
        return fail(ErrorCode::Verification, argv[0] + " of database " + db.name + " wrote nothing");
    auto readable = check_readable(tools, db, tmp_path, env, deadline);
    if (!readable) return fail(readable.error());
    if (auto committed = util::commit_atomic(tmp_path, final_path); !committed) return fail(committed.error());
    cleanup.path.clear();
    DumpManifest m;
    m.path = final_path;
    m.dialect = db.dialect;
    m.database = db.name;
    m.sha256 = digest->sha256;
    m.bytes = digest->bytes;
    m.files = std::move(digest->files);
    m.created = utc_now_iso();
    m.verified_by = *readable;
    m.ran_on = tools.where();
    m.dump_format = "directory";
    return m;
}

}  // namespace

Status write_private_file(const std::string& path, const std::string& text) {
    return util::write_file_atomic(path, text, 0600);
}

std::string manifest_path(const std::string& dump_path) {
    return dump_path + ".json";
}

Result<DumpManifest> read_manifest(const std::string& dump_path) {
    std::ifstream in(manifest_path(dump_path));
    if (!in) return fail(ErrorCode::NotFound, "no manifest " + manifest_path(dump_path));
    try {
        auto j = nlohmann::json::parse(in);
        DumpManifest m;
        m.path = dump_path;
        m.dialect = j.value("dialect", "");
        m.database = j.value("database", "");
        m.sha256 = j.value("sha256", "");
        m.bytes = j.value("bytes", std::uint64_t{0});
        m.created = j.value("created", "");
        m.verified_by = j.value("verified_by", "");
        m.run_id = j.value("run_id", "");
        m.ran_on = j.value("ran_on", "local");
        m.seconds = j.value("seconds", 0.0);
        m.dumped_from = j.value("dumped_from", "");
        std::error_code ec;
        const bool dir = fs::is_directory(dump_path, ec);
        m.dump_format = j.value("dump_format", dir ? "directory" : m.dialect == "postgres" ? "custom" : "sql");
        m.data_offsets = j.value("data_offsets", false);
        if (j.contains("files") && j["files"].is_array())
            for (const auto& f : j["files"])
                m.files.push_back({f.value("name", ""), f.value("sha256", ""), f.value("bytes", std::uint64_t{0})});
        return m;
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorCode::Verification, manifest_path(dump_path) + ": unreadable manifest: " + e.what());
    }
}

Result<DumpManifest> dump_database(ToolRunner& tools, const DatabaseSpec& db, const std::string& dest_dir,
                                   const std::string& base_name, const std::string& run_id, const Deadline& deadline,
                                   const std::string& dump_from) {
    const std::string source = dump_from.empty() ? db.name : dump_from;
    const auto started = Clock::now();
    std::error_code ec;
    if (auto d = util::create_private_directories(dest_dir); !d)
        return fail(ErrorCode::Io, "cannot create backup directory " + dest_dir + ": " + d.error().message);
    ::chmod(dest_dir.c_str(), 0700);
    auto env = client_env(db);
    if (!env) return fail(env.error());

    const std::string final_path = (fs::path(dest_dir) / (base_name + dump_extension(db))).string();
    const std::string tmp_path = final_path + ".partial";
    if (is_directory_format(db)) {
        auto m = dump_directory(tools, db, source, tmp_path, final_path, *env, deadline);
        if (!m) return fail(m.error());
        m->run_id = run_id;
        m->dumped_from = dump_from;
        m->seconds = std::chrono::duration<double>(Clock::now() - started).count();
        if (auto w = write_manifest(*m); !w) return fail(w.error());
        return m;
    }
    Cleanup cleanup{tmp_path};
    util::Fd fd(::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd.valid()) return fail(io_error("write", tmp_path));
    ::fchmod(fd.get(), 0600);  // a .partial left by a killed run may have kept other bits

    Argv argv;
    // pg_dump run here writes the file itself: -Fc then seeks back to record the data offsets in its table
    // of contents (pg_restore -j and selective restores use them), so it is hashed in a second pass. Run
    // elsewhere, its stdout is the only way back: hashed and written as it arrives, nothing held in memory.
    const bool tool_writes_file = is_postgres(db) && tools.shares_files();
    if (is_postgres(db)) {
        argv = {tool(db.dump_command, "pg_dump")};
        for (auto& a : pg_dump_format_args(db)) argv.push_back(a);
        argv.push_back("--no-password");
        for (auto& a : pg_conn(db, source)) argv.push_back(a);
        if (tool_writes_file) argv.insert(argv.end(), {"-f", tmp_path});
    } else {
        argv = {tool(db.dump_command, "mysqldump"), "--single-transaction", "--routines", "--triggers", "--events"};
        for (auto& a : my_conn(db)) argv.push_back(a);
        argv.push_back(source);
    }
    util::Sha256 hash;
    std::uint64_t bytes = 0;
    int write_errno = 0;
    ToolCall c = call(argv, *env);
    if (!tool_writes_file)
        c.on_stdout = [&](std::string_view chunk) {
            hash.update(chunk);
            bytes += chunk.size();
            while (!chunk.empty()) {
                const ssize_t w = ::write(fd.get(), chunk.data(), chunk.size());
                if (w < 0 && errno == EINTR) continue;
                if (w < 0) {
                    write_errno = errno;
                    return false;
                }
                chunk.remove_prefix(static_cast<std::size_t>(w));
            }
            return true;
        };
    auto r = run(tools, c, deadline);
    if (write_errno != 0) return fail(ErrorCode::Io, "cannot write " + tmp_path + ": " + std::strerror(write_errno));
    if (!r) return fail(r.error().with_context("database backup: "));
    if (!r->ok()) return fail(tool_failed(argv[0] + " of database " + source, *r, tools));
    std::string sum;
    if (tool_writes_file) {
        auto file_sum = util::sha256_file_hex(tmp_path);
        if (!file_sum) return fail(file_sum.error());
        sum = *file_sum;
        bytes = static_cast<std::uint64_t>(fs::file_size(tmp_path, ec));
    } else {
        sum = hash.hex_digest();
    }
    if (bytes == 0) return fail(ErrorCode::Verification, argv[0] + " of database " + db.name + " wrote nothing");
    // A backup reported as taken must survive a crash: synced before it is checked and renamed.
    if (::fsync(fd.get()) != 0) return fail(io_error("sync", tmp_path));
    fd.reset();

    auto readable = check_readable(tools, db, tmp_path, *env, deadline);
    if (!readable) return fail(readable.error());

    DumpManifest m;
    m.path = final_path;
    m.dialect = db.dialect;
    m.database = db.name;
    m.sha256 = sum;
    m.bytes = bytes;
    m.created = utc_now_iso();
    m.verified_by = *readable;
    m.run_id = run_id;
    m.ran_on = tools.where();
    m.dumped_from = dump_from;
    m.dump_format = is_postgres(db) ? "custom" : "sql";
    m.data_offsets = tool_writes_file;
    if (auto committed = util::commit_atomic(tmp_path, final_path); !committed) return fail(committed.error());
    cleanup.path.clear();
    m.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (auto w = write_manifest(m); !w) return fail(w.error());
    return m;
}

namespace {

// pg_restore's -j for this dump read this way (pg_dump_args.hpp).
void add_restore_jobs(Argv& argv, const ToolRunner& tools, const DatabaseSpec& db, const DumpManifest& m,
                      bool single_transaction) {
    const int jobs = restore_jobs(db, {.directory = m.dump_format == "directory",
                                       .by_name = tools.shares_files(),
                                       .data_offsets = m.data_offsets,
                                       .single_transaction = single_transaction});
    if (jobs > 1) argv.insert(argv.end(), {"-j", std::to_string(jobs)});
}

// The manifest of the dump at `path`, with what can be checked without reading the dump: the file's size
// (a directory: it lists files, and the tools read it by name).
Result<DumpManifest> checked_manifest(const ToolRunner& tools, const std::string& path) {
    auto m = read_manifest(path);
    if (!m) return fail(m.error());
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        if (auto local = needs_shared_files(tools, path); !local) return fail(local.error());
        if (m->files.empty()) return fail(ErrorCode::Verification, manifest_path(path) + ": lists no files");
        return m;
    }
    const auto size = fs::file_size(path, ec);
    if (ec) return fail(ErrorCode::NotFound, path + ": " + ec.message());
    if (size != m->bytes)
        return fail(ErrorCode::Verification, path + ": size " + std::to_string(size) + " differs from the manifest's " +
                                                 std::to_string(m->bytes));
    return m;
}

// The dump's bytes against the manifest: the file's SHA-256, or a directory's files (the same ones, each
// with its size and SHA-256). Reads the whole dump; touches nothing else (safe on another thread).
Status check_content(const std::string& path, const DumpManifest& m) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        auto actual = digest_directory(path, false);
        if (!actual) return fail(actual.error());
        const DirectoryDigest expected{.files = m.files, .sha256 = m.sha256, .bytes = m.bytes};
        return compare_digest(path, expected, *actual);
    }
    auto sum = util::sha256_file_hex(path);
    if (!sum) return fail(sum.error());
    if (*sum != m.sha256) return fail(ErrorCode::Verification, path + ": SHA-256 differs from the manifest");
    return {};
}

}  // namespace

Result<DumpManifest> verify_dump(ToolRunner& tools, const DatabaseSpec& db, const std::string& path,
                                 const Deadline& deadline) {
    auto m = checked_manifest(tools, path);
    if (!m) return fail(m.error());
    if (auto same = check_content(path, *m); !same) return fail(same.error());
    auto env = client_env(db);
    if (!env) return fail(env.error());
    auto readable = check_readable(tools, db, path, *env, deadline);
    if (!readable) return fail(readable.error());
    m->verified_by = *readable;
    return m;
}

std::string pg_ident(const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string pg_literal(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += (c == '\'') ? std::string("''") : std::string(1, c);
    return out + "'";
}

namespace {

std::string my_ident(const std::string& s) {
    std::string out = "`";
    for (char c : s) out += (c == '`') ? std::string("``") : std::string(1, c);
    return out + "`";
}

std::string my_literal(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += (c == '\'' || c == '\\') ? std::string(1, '\\') + c : std::string(1, c);
    return out + "'";
}

// psql / mysql running one statement in `dbname` (the maintenance database `postgres`, or none for MySQL).
Argv sql_argv(const DatabaseSpec& db, const std::string& dbname, const std::string& sql) {
    Argv argv;
    if (is_postgres(db)) {
        argv = {"psql", "-X", "-A", "-t", "-q", "--no-password", "-v", "ON_ERROR_STOP=1"};
        for (auto& a : pg_conn(db, dbname)) argv.push_back(a);
    } else {
        argv = {tool(db.restore_command, "mysql"), "-N", "-B"};
        for (auto& a : my_conn(db)) argv.push_back(a);
        if (!dbname.empty()) argv.push_back(dbname);
    }
    argv.insert(argv.end(), {is_postgres(db) ? "-c" : "-e", sql});
    return argv;
}

Result<std::string> query_one(ToolRunner& tools, const DatabaseSpec& db, const std::string& sql,
                              const Deadline& deadline) {
    auto env = client_env(db);
    if (!env) return fail(env.error());
    auto r = run(tools, call(sql_argv(db, db.name, sql), *env), deadline);
    if (!r) return fail(r.error());
    if (!r->ok())
        return fail(ErrorCode::Unreachable,
                    "database " + db.name + " at " + db.host + ":" + std::to_string(db.port) + " (tools on " +
                        tools.where() + "): " + net::last_lines(r->err, 1),
                    true);
    return net::last_lines(r->out, 1);
}

}  // namespace

Result<std::string> run_psql(ToolRunner& tools, const DatabaseSpec& db, const std::string& dbname,
                             const std::string& sql, const Deadline& deadline) {
    auto env = client_env(db);
    if (!env) return fail(env.error());
    auto r = run(tools, call(sql_argv(db, dbname, sql), *env), deadline);
    if (!r) return fail(r.error());
    if (!r->ok()) {
        // The server's ERROR line, not the HINT or DETAIL psql prints after it.
        std::string line = net::last_lines(r->err, 1);
        if (auto at = r->err.rfind("ERROR:"); at != std::string::npos)
            line = r->err.substr(
                at, r->err.find('\n', at) == std::string::npos ? std::string::npos : r->err.find('\n', at) - at);
        return fail(ErrorCode::Remote, "psql in database " + dbname + " at " + db.host + ":" + std::to_string(db.port) +
                                           " (tools on " + tools.where() + "): " + line);
    }
    std::string out = r->out;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

namespace {

// `TOOL --version` where it runs: NotFound when the tool is not there, else its first output line.
Result<std::string> tool_version(ToolRunner& tools, const std::string& name, const Deadline& deadline) {
    auto r = run(tools, ToolCall{.argv = {name, "--version"}}, deadline);
    if (!r) return fail(r.error());
    if (!r->ok())
        return fail(ErrorCode::NotFound, tools.where() + ": " + name + " --version failed (exit " +
                                             std::to_string(r->exit_code) + "): " + net::last_lines(r->err, 1));
    const auto nl = r->out.find('\n');
    return r->out.substr(0, nl);
}

}  // namespace

int client_major(std::string_view line) {
    const auto d = line.find_first_of("0123456789");
    if (d == std::string_view::npos) return 0;
    int v = 0;
    for (std::size_t i = d; i < line.size() && line[i] >= '0' && line[i] <= '9' && v < 100000; ++i)
        v = v * 10 + (line[i] - '0');
    return v;
}

Result<std::string> check_database(ToolRunner& tools, const DatabaseSpec& db, const Deadline& deadline) {
    const std::vector<std::string> needed =
        is_postgres(db)
            ? std::vector<std::string>{tool(db.dump_command, "pg_dump"), tool(db.restore_command, "pg_restore"), "psql"}
            : std::vector<std::string>{tool(db.dump_command, "mysqldump"), tool(db.restore_command, "mysql")};
    if (auto place = tools.check_place(deadline); !place) return fail(place.error());
    std::string dump_version;
    for (const auto& t : needed) {
        auto v = tool_version(tools, t, deadline);
        if (!v) return fail(v.error());
        if (dump_version.empty()) dump_version = *v;
    }
    if (!is_postgres(db)) {
        auto one = query_one(tools, db, "select 1", deadline);
        if (!one) return fail(one.error());
        return dump_version + " via " + tools.where();
    }
    // Also the credentials check: the first query that needs them.
    auto server = query_one(tools, db, "select current_setting('server_version_num')", deadline);
    if (!server) return fail(server.error());
    const int server_major = client_major(*server) / 10000;
    const int dump_major = client_major(dump_version.substr(std::min(dump_version.find(')'), dump_version.size())));
    if (dump_major < server_major)
        return fail(ErrorCode::Unsupported, tools.where() + ": " + needed[0] + " is PostgreSQL " +
                                                std::to_string(dump_major) + ", the server is " +
                                                std::to_string(server_major) +
                                                " (pg_dump refuses a newer server; install client " +
                                                std::to_string(server_major) + " there or set database.dump_command)");
    return needed[0] + " " + std::to_string(dump_major) + " >= server " + std::to_string(server_major) + " via " +
           tools.where();
}

Result<std::uint64_t> database_size(ToolRunner& tools, const DatabaseSpec& db, const Deadline& deadline) {
    const std::string sql = is_postgres(db) ? "select pg_database_size(current_database())"
                                            : "select coalesce(sum(data_length + index_length), 0) from "
                                              "information_schema.tables where table_schema = database()";
    auto r = query_one(tools, db, sql, deadline);
    if (!r) return fail(r.error());
    try {
        return static_cast<std::uint64_t>(std::stoull(*r));
    } catch (const std::exception&) {
        return fail(ErrorCode::Protocol, "database " + db.name + ": unexpected size answer '" + *r + "'");
    }
}

namespace {

Status restore_mysql(ToolRunner& tools, const DatabaseSpec& db, const std::string& path, const ClientEnv& env,
                     const Deadline& deadline) {
    // Drop and re-create with the same character set: tables a failed upgrade's migration created must not
    // survive. A user without DROP on the database gets the dump replayed over it (its DROP TABLEs).
    auto charset = query_one(tools, db,
                             "select concat(default_character_set_name, ' ', default_collation_name) from "
                             "information_schema.schemata where schema_name = database()",
                             deadline);
    if (charset && charset->find(' ') != std::string::npos) {
        const std::string cs = charset->substr(0, charset->find(' '));
        const std::string coll = charset->substr(charset->find(' ') + 1);
        const std::string sql = "DROP DATABASE IF EXISTS " + my_ident(db.name) + "; CREATE DATABASE " +
                                my_ident(db.name) + " CHARACTER SET " + my_ident(cs) + " COLLATE " + my_ident(coll);
        auto dropped = run(tools, call(sql_argv(db, "", sql), env), deadline);
        if (!dropped) return fail(dropped.error());
    }
    Argv argv{tool(db.restore_command, "mysql")};
    for (auto& a : my_conn(db)) argv.push_back(a);
    argv.push_back(db.name);
    auto r = run(tools, call(argv, env, path), deadline);
    if (!r) return fail(r.error());
    if (!r->ok()) return fail(tool_failed("mysql restore of " + path + " into " + db.name, *r, tools));
    return {};
}

std::string scratch_name() {
    std::random_device rd;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s = "ncbctl_verify_";
    for (int i = 0; i < 10; ++i) s += kHex[rd() % 16];
    return s;
}

}  // namespace

Status restore_dump(ToolRunner& tools, const DatabaseSpec& db, const std::string& path, const Deadline& deadline) {
    // The bytes are the ones proven readable when the dump was made (its manifest's verified_by): size and
    // SHA-256 are enough before the database is dropped, without another pg_restore --list through the path.
    auto verified = checked_manifest(tools, path);
    if (verified)
        if (auto same = check_content(path, *verified); !same) verified = fail(same.error());
    if (!verified) return fail(verified.error().with_context("refusing to restore: "));
    auto env = client_env(db);
    if (!env) return fail(env.error());
    if (!is_postgres(db)) return restore_mysql(tools, db, path, *env, deadline);
    // Drop and re-create: objects created by the failed upgrade's migrations must not survive.
    Argv recreate{"psql", "-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1"};
    for (auto& a : pg_conn(db, "postgres")) recreate.push_back(a);
    recreate.insert(recreate.end(), {"-c", "DROP DATABASE IF EXISTS " + pg_ident(db.name) + " WITH (FORCE)", "-c",
                                     "CREATE DATABASE " + pg_ident(db.name) + " OWNER " + pg_ident(db.user)});
    auto dropped = run(tools, call(recreate, *env), deadline);
    if (!dropped) return fail(dropped.error());
    Argv argv{tool(db.restore_command, "pg_restore"), "--no-owner", "--exit-on-error", "--no-password"};
    if (!dropped->ok()) argv.insert(argv.end(), {"--clean", "--if-exists", "--single-transaction"});
    add_restore_jobs(argv, tools, db, *verified, !dropped->ok());
    for (auto& a : pg_conn(db, db.name)) argv.push_back(a);
    auto r = run(tools, pg_restore_call(tools, argv, *env, path), deadline);
    if (!r) return fail(r.error());
    if (!r->ok()) return fail(tool_failed("pg_restore of " + path + " into " + db.name, *r, tools));
    return {};
}

namespace {

Result<std::string> restore_checked(ToolRunner& tools, const DatabaseSpec& db, const std::string& path,
                                    const DumpManifest& checked, const Deadline& deadline) {
    auto env = client_env(db);
    if (!env) return fail(env.error());
    if (auto readable = check_readable(tools, db, path, *env, deadline); !readable) return fail(readable.error());
    const bool pg = is_postgres(db);
    const std::string scratch = scratch_name();
    auto admin = [&](const std::string& sql) {
        return run(tools, call(sql_argv(db, pg ? "postgres" : "", sql), *env), deadline);
    };
    auto created = admin("CREATE DATABASE " + (pg ? pg_ident(scratch) : my_ident(scratch)));
    if (!created) return fail(created.error());
    if (!created->ok())
        return fail(ErrorCode::Remote, "cannot create scratch database " + scratch + " (the user " + db.user +
                                           (pg ? " needs CREATEDB" : " needs CREATE and DROP on it") +
                                           "): " + net::last_lines(created->err, 1));
    struct Drop {
        std::function<void()> fn;
        ~Drop() { fn(); }
    } drop{[&] {
        (void)admin(pg ? "DROP DATABASE IF EXISTS " + pg_ident(scratch) + " WITH (FORCE)"
                       : "DROP DATABASE IF EXISTS " + my_ident(scratch));
    }};

    Argv argv;
    if (pg) {
        argv = {tool(db.restore_command, "pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", "--no-password"};
        add_restore_jobs(argv, tools, db, checked, false);
        for (auto& a : pg_conn(db, scratch)) argv.push_back(a);
    } else {
        argv = {tool(db.restore_command, "mysql")};
        for (auto& a : my_conn(db)) argv.push_back(a);
        argv.push_back(scratch);
    }
    auto r = run(tools, pg ? pg_restore_call(tools, argv, *env, path) : call(argv, *env, path), deadline);
    if (!r) return fail(r.error());
    if (!r->ok()) return fail(tool_failed(argv[0] + " of " + path + " into scratch database " + scratch, *r, tools));
    const std::string count_sql =
        pg ? "select count(*) from information_schema.tables where table_schema not in ('pg_catalog', "
             "'information_schema')"
           : "select count(*) from information_schema.tables where table_schema = " + my_literal(scratch);
    auto c = run(tools, call(sql_argv(db, pg ? scratch : "", count_sql), *env), deadline);
    if (!c) return fail(c.error());
    if (!c->ok()) return fail(tool_failed("counting tables of scratch database " + scratch, *c, tools));
    return std::string(pg ? "pg_restore" : "mysql restore") + " into scratch database " + scratch + ": " +
           net::last_lines(c->out, 1) + " tables";
}

}  // namespace

Result<std::string> restore_to_scratch(ToolRunner& tools, const DatabaseSpec& db, const std::string& path,
                                       const Deadline& deadline) {
    // The scratch database is dropped whatever happens, so the dump is hashed while the restore reads it (one
    // pass over the disk instead of two); a mismatch fails the verification even when the restore succeeded.
    auto checked = checked_manifest(tools, path);
    if (!checked) return fail(checked.error());
    auto content = std::async(std::launch::async, [&path, m = *checked] { return check_content(path, m); });
    auto result = restore_checked(tools, db, path, *checked, deadline);
    if (auto same = content.get(); !same) return fail(same.error());
    return result;
}

}  // namespace ncbctl::backup
