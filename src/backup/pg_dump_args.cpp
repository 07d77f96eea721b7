#include "backup/pg_dump_args.hpp"

namespace ncbctl::backup {

bool is_directory_format(const DatabaseSpec& db) {
    return db.dialect == "postgres" && db.dump_format == "directory";
}

std::string dump_extension(const DatabaseSpec& db) {
    if (db.dialect != "postgres") return ".sql";
    return is_directory_format(db) ? ".pgdir" : ".pgdump";
}

Argv pg_dump_format_args(const DatabaseSpec& db) {
    Argv a;
    if (is_directory_format(db)) {
        a = {"-Fd"};
        if (db.jobs > 1) a.insert(a.end(), {"-j", std::to_string(db.jobs)});
    } else {
        a = {"-Fc"};
    }
    a.insert(a.end(), {"-Z", std::to_string(db.dump_compress)});
    return a;
}

int restore_jobs(const DatabaseSpec& db, const RestoreSource& src) {
    if (db.jobs <= 1 || !src.by_name || src.single_transaction) return 1;
    return (src.directory || src.data_offsets) ? db.jobs : 1;
}

}  // namespace ncbctl::backup
