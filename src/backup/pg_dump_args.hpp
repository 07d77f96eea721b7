#pragma once
// The PostgreSQL dump and restore command lines for database.dump_format / jobs / dump_compress, as pure
// functions (unit-tested): pg_dump -Fc (one file, or a stream through run_on) or -Fd -j N (a directory that
// pg_dump writes itself), -Z level; pg_restore -j N whenever it reads the dump by name and the dump can be
// read out of order (a directory, or a custom file written by pg_dump -f, whose table of contents holds the
// data offsets). A stream (stdin) and --single-transaction are always one job.
#include <string>

#include "ncbctl/inventory.hpp"

namespace ncbctl::backup {

// ".pgdir" (directory format), ".pgdump" (custom), ".sql" (MySQL/MariaDB).
std::string dump_extension(const DatabaseSpec& db);
bool is_directory_format(const DatabaseSpec& db);

// pg_dump's format, compression and jobs flags: {"-Fd", "-j", "2", "-Z", "1"} / {"-Fc", "-Z", "1"}.
Argv pg_dump_format_args(const DatabaseSpec& db);

struct RestoreSource {
    bool directory = false;     // the dump is a pg_dump -Fd directory
    bool by_name = false;       // pg_restore opens it itself (the tools share this machine's files)
    bool data_offsets = false;  // custom file written by pg_dump -f (its manifest says so)
    bool single_transaction = false;
};
// The -j value pg_restore gets (1: no -j flag).
int restore_jobs(const DatabaseSpec& db, const RestoreSource& src);

}  // namespace ncbctl::backup
