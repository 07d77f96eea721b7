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
#include <nlohmann/json.hpp>
#include <random>

#include "net/fd.hpp"
#include "net/process.hpp"
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

// The child's environment: the password never appears in argv (visible in ps) or in messages.
Result<std::map<std::string, std::string>> client_env(const DatabaseSpec& db) {
    std::map<std::string, std::string> env;
    if (is_postgres(db)) env["PGCONNECT_TIMEOUT"] = "10";
    if (db.password.empty()) return env;
    auto pw = resolve_secret(db.password);
    if (!pw) return fail(pw.error().with_context("database password: "));
    env[is_postgres(db) ? "PGPASSWORD" : "MYSQL_PWD"] = *pw;
    return env;
}

std::vector<std::string> pg_conn(const DatabaseSpec& db, const std::string& dbname) {
    return {"-h", db.host, "-p", std::to_string(db.port), "-U", db.user, "-d", dbname};
}

std::vector<std::string> my_conn(const DatabaseSpec& db) {
    return {"-h", db.host, "-P", std::to_string(db.port), "-u", db.user};
}

Error tool_failed(const std::string& what, const net::ProcessResult& r) {
    return {ErrorCode::Remote,
            what + " failed (exit " + std::to_string(r.exit_code) + "): " + net::last_lines(r.err, 2)};
}

Result<net::ProcessResult> run(std::vector<std::string> argv, const std::map<std::string, std::string>& env,
                               const Deadline& deadline, const std::string& stdout_file = "") {
    net::ProcessOptions o{.argv = std::move(argv), .env = env, .stdout_file = stdout_file};
    return net::run_process(o, deadline);
}

std::string utc_now_iso() {
    return util::format_utc(std::time(nullptr), util::kIsoUtc);
}

Error io_error(const std::string& what, const std::string& path) {
    return {ErrorCode::Io, "cannot " + what + " " + path + ": " + std::strerror(errno)};
}

// A rename is durable only once its directory is synced: without it a crash can lose the file a manifest names.
Status sync_dir_of(const std::string& path) {
    const std::string dir = fs::path(path).parent_path().string();
    net::Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid() || ::fsync(fd.get()) != 0) return fail(io_error("sync directory", dir));
    return {};
}

// Proves the dump readable without touching a database: pg_restore reads the whole TOC; a mysqldump
// file ends with its completion marker only when the dump finished.
Result<std::string> check_readable(const DatabaseSpec& db, const std::string& path,
                                   const std::map<std::string, std::string>& env, const Deadline& deadline) {
    if (is_postgres(db)) {
        auto r = run({tool(db.restore_command, "pg_restore"), "--list", path}, env, deadline);
        if (!r) return fail(r.error());
        if (!r->ok()) return fail(tool_failed("pg_restore --list " + path, *r));
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
    nlohmann::json j{{"path", m.path},
                     {"dialect", m.dialect},
                     {"database", m.database},
                     {"sha256", m.sha256},
                     {"bytes", m.bytes},
                     {"created", m.created},
                     {"verified_by", m.verified_by},
                     {"verified_at", utc_now_iso()},
                     {"run_id", m.run_id},
                     {"seconds", m.seconds},
                     {"format", 1}};
    return write_private_file(manifest_path(m.path), j.dump(2) + "\n");
}

}  // namespace

Status write_private_file(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    net::Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd.valid()) return fail(io_error("write", tmp));
    auto failed = [&](const char* what, const std::string& p) {
        auto e = io_error(what, p);
        ::unlink(tmp.c_str());
        return fail(e);
    };
    ::fchmod(fd.get(), 0600);  // a tmp left by a crash may have kept other bits
    for (std::size_t off = 0; off < text.size();) {
        const ssize_t w = ::write(fd.get(), text.data() + off, text.size() - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return failed("write", tmp);
        off += static_cast<std::size_t>(w);
    }
    if (::fsync(fd.get()) != 0) return failed("sync", tmp);
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) != 0) return failed("write", path);
    return sync_dir_of(path);
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
        m.seconds = j.value("seconds", 0.0);
        return m;
    } catch (const nlohmann::json::exception& e) {
        return fail(ErrorCode::Verification, manifest_path(dump_path) + ": unreadable manifest: " + e.what());
    }
}

Result<DumpManifest> dump_database(const DatabaseSpec& db, const std::string& dest_dir, const std::string& base_name,
                                   const std::string& run_id, const Deadline& deadline) {
    if (db.run_on != "local")
        return fail(ErrorCode::Unsupported, "database backup with run_on " + db.run_on +
                                                " is not supported yet; use run_on: local with network access");
    const auto started = Clock::now();
    std::error_code ec;
    fs::create_directories(dest_dir, ec);
    if (ec) return fail(ErrorCode::Io, "cannot create backup directory " + dest_dir + ": " + ec.message());
    ::chmod(dest_dir.c_str(), 0700);
    auto env = client_env(db);
    if (!env) return fail(env.error());

    const std::string ext = is_postgres(db) ? ".pgdump" : ".sql";
    const std::string final_path = (fs::path(dest_dir) / (base_name + ext)).string();
    const std::string tmp_path = final_path + ".partial";
    struct Cleanup {
        std::string path;
        ~Cleanup() {
            if (!path.empty()) ::unlink(path.c_str());
        }
    } cleanup{tmp_path};

    std::vector<std::string> argv;
    if (is_postgres(db)) {
        argv = {tool(db.dump_command, "pg_dump"), "-Fc", "--no-password"};
        for (auto& a : pg_conn(db, db.name)) argv.push_back(a);
        argv.insert(argv.end(), {"-f", tmp_path});
    } else {
        argv = {tool(db.dump_command, "mysqldump"), "--single-transaction", "--routines", "--triggers", "--events"};
        for (auto& a : my_conn(db)) argv.push_back(a);
        argv.push_back(db.name);
    }
    auto r = run(argv, *env, deadline, is_postgres(db) ? "" : tmp_path);
    if (!r) return fail(r.error().with_context("database backup: "));
    if (!r->ok()) return fail(tool_failed(argv[0] + " of database " + db.name, *r));
    net::Fd fd(::open(tmp_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return fail(io_error("read", tmp_path));
    ::fchmod(fd.get(), 0600);

    auto readable = check_readable(db, tmp_path, *env, deadline);
    if (!readable) return fail(readable.error());
    auto sum = util::sha256_file_hex(tmp_path);
    if (!sum) return fail(sum.error());
    // A backup reported as taken must survive a crash. pg_dump syncs its own file (nothing left to write
    // here); mysqldump's stdout file is synced by this call.
    if (::fdatasync(fd.get()) != 0) return fail(io_error("sync", tmp_path));
    fd.reset();

    DumpManifest m;
    m.path = final_path;
    m.dialect = db.dialect;
    m.database = db.name;
    m.sha256 = *sum;
    m.bytes = static_cast<std::uint64_t>(fs::file_size(tmp_path, ec));
    m.created = utc_now_iso();
    m.verified_by = *readable;
    m.run_id = run_id;
    fs::rename(tmp_path, final_path, ec);
    if (ec) return fail(ErrorCode::Io, "cannot rename " + tmp_path + ": " + ec.message());
    cleanup.path.clear();
    // The manifest's write syncs the directory, which makes this rename durable too.
    m.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (auto w = write_manifest(m); !w) return fail(w.error());
    return m;
}

Result<DumpManifest> verify_dump(const DatabaseSpec& db, const std::string& path, const Deadline& deadline) {
    auto m = read_manifest(path);
    if (!m) return fail(m.error());
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) return fail(ErrorCode::NotFound, path + ": " + ec.message());
    if (size != m->bytes)
        return fail(ErrorCode::Verification, path + ": size " + std::to_string(size) + " differs from the manifest's " +
                                                 std::to_string(m->bytes));
    auto sum = util::sha256_file_hex(path);
    if (!sum) return fail(sum.error());
    if (*sum != m->sha256) return fail(ErrorCode::Verification, path + ": SHA-256 differs from the manifest");
    auto env = client_env(db);
    if (!env) return fail(env.error());
    auto readable = check_readable(db, path, *env, deadline);
    if (!readable) return fail(readable.error());
    m->verified_by = *readable;
    return m;
}

namespace {

Result<std::string> query_one(const DatabaseSpec& db, const std::string& sql, const Deadline& deadline) {
    auto env = client_env(db);
    if (!env) return fail(env.error());
    std::vector<std::string> argv;
    if (is_postgres(db)) {
        argv = {"psql", "-X", "-A", "-t", "--no-password", "-v", "ON_ERROR_STOP=1"};
        for (auto& a : pg_conn(db, db.name)) argv.push_back(a);
        argv.insert(argv.end(), {"-c", sql});
    } else {
        argv = {"mysql", "-N", "-B"};
        for (auto& a : my_conn(db)) argv.push_back(a);
        argv.insert(argv.end(), {db.name, "-e", sql});
    }
    auto r = run(argv, *env, deadline);
    if (!r) return fail(r.error());
    if (!r->ok())
        return fail(ErrorCode::Unreachable,
                    "database " + db.name + " at " + db.host + ":" + std::to_string(db.port) + ": " +
                        net::last_lines(r->err, 1),
                    true);
    return net::last_lines(r->out, 1);
}

}  // namespace

Status check_database(const DatabaseSpec& db, const Deadline& deadline) {
    auto r = query_one(db, "select 1", deadline);
    if (!r) return fail(r.error());
    return {};
}

Result<std::uint64_t> database_size(const DatabaseSpec& db, const Deadline& deadline) {
    const std::string sql = is_postgres(db) ? "select pg_database_size(current_database())"
                                            : "select coalesce(sum(data_length + index_length), 0) from "
                                              "information_schema.tables where table_schema = database()";
    auto r = query_one(db, sql, deadline);
    if (!r) return fail(r.error());
    try {
        return static_cast<std::uint64_t>(std::stoull(*r));
    } catch (const std::exception&) {
        return fail(ErrorCode::Protocol, "database " + db.name + ": unexpected size answer '" + *r + "'");
    }
}

Status restore_dump(const DatabaseSpec& db, const std::string& path, const Deadline& deadline) {
    auto verified = verify_dump(db, path, deadline);
    if (!verified) return fail(verified.error().with_context("refusing to restore: "));
    auto env = client_env(db);
    if (!env) return fail(env.error());
    if (!is_postgres(db)) {
        std::vector<std::string> argv{"mysql"};
        for (auto& a : my_conn(db)) argv.push_back(a);
        argv.push_back(db.name);
        std::ifstream in(path, std::ios::binary);
        std::string sql((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        net::ProcessOptions o{.argv = argv, .stdin_data = std::move(sql), .env = *env};
        auto r = net::run_process(o, deadline);
        if (!r) return fail(r.error());
        if (!r->ok()) return fail(tool_failed("mysql restore of " + db.name, *r));
        return {};
    }
    auto quote_ident = [](const std::string& s) {
        std::string out = "\"";
        for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
        return out + "\"";
    };
    // Drop and re-create: objects created by the failed upgrade's migrations must not survive.
    std::vector<std::string> recreate{"psql", "-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1"};
    for (auto& a : pg_conn(db, "postgres")) recreate.push_back(a);
    recreate.insert(recreate.end(), {"-c", "DROP DATABASE IF EXISTS " + quote_ident(db.name) + " WITH (FORCE)", "-c",
                                     "CREATE DATABASE " + quote_ident(db.name) + " OWNER " + quote_ident(db.user)});
    auto dropped = run(recreate, *env, deadline);
    if (!dropped) return fail(dropped.error());
    std::vector<std::string> argv{tool(db.restore_command, "pg_restore"), "--no-owner", "--exit-on-error",
                                  "--no-password"};
    if (!dropped->ok()) argv.insert(argv.end(), {"--clean", "--if-exists", "--single-transaction"});
    for (auto& a : pg_conn(db, db.name)) argv.push_back(a);
    argv.push_back(path);
    auto r = run(argv, *env, deadline);
    if (!r) return fail(r.error());
    if (!r->ok()) return fail(tool_failed("pg_restore of " + path + " into " + db.name, *r));
    return {};
}

namespace {

std::string pg_ident(const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string scratch_name() {
    std::random_device rd;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s = "ncbctl_verify_";
    for (int i = 0; i < 10; ++i) s += kHex[rd() % 16];
    return s;
}

}  // namespace

Result<std::string> restore_to_scratch(const DatabaseSpec& db, const std::string& path, const Deadline& deadline) {
    if (!is_postgres(db))
        return fail(ErrorCode::Unsupported,
                    "restore verification into a scratch database is implemented for "
                    "PostgreSQL only; " +
                        db.dialect + " dumps are checked for completeness");
    auto checked = verify_dump(db, path, deadline);
    if (!checked) return fail(checked.error());
    auto env = client_env(db);
    if (!env) return fail(env.error());
    const std::string scratch = scratch_name();
    auto admin = [&](const std::string& sql) {
        std::vector<std::string> argv{"psql", "-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1"};
        for (auto& a : pg_conn(db, "postgres")) argv.push_back(a);
        argv.insert(argv.end(), {"-c", sql});
        return run(argv, *env, deadline);
    };
    auto created = admin("CREATE DATABASE " + pg_ident(scratch));
    if (!created) return fail(created.error());
    if (!created->ok())
        return fail(ErrorCode::Remote, "cannot create scratch database " + scratch + " (the user " + db.user +
                                           " needs CREATEDB): " + net::last_lines(created->err, 1));
    struct Drop {
        std::function<void()> fn;
        ~Drop() { fn(); }
    } drop{[&] { (void)admin("DROP DATABASE IF EXISTS " + pg_ident(scratch) + " WITH (FORCE)"); }};

    std::vector<std::string> argv{tool(db.restore_command, "pg_restore"), "--no-owner", "--no-acl", "--exit-on-error",
                                  "--no-password"};
    for (auto& a : pg_conn(db, scratch)) argv.push_back(a);
    argv.push_back(path);
    auto r = run(argv, *env, deadline);
    if (!r) return fail(r.error());
    if (!r->ok()) return fail(tool_failed("pg_restore of " + path + " into scratch database " + scratch, *r));
    std::vector<std::string> count{"psql", "-X", "-A", "-t", "--no-password", "-v", "ON_ERROR_STOP=1"};
    for (auto& a : pg_conn(db, scratch)) count.push_back(a);
    count.insert(count.end(), {"-c",
                               "select count(*) from information_schema.tables where table_schema not in "
                               "('pg_catalog', 'information_schema')"});
    auto c = run(count, *env, deadline);
    if (!c) return fail(c.error());
    if (!c->ok()) return fail(tool_failed("counting tables of scratch database " + scratch, *c));
    return "pg_restore into scratch database " + scratch + ": " + net::last_lines(c->out, 1) + " tables";
}

}  // namespace ncbctl::backup
