#pragma once
// Helpers the runner's action families share: the small per-run state files (what later steps, and a
// resumed process, need from earlier ones), step parameters, and messages that name a node once.
#include <cstdint>
#include <set>
#include <string>

#include "ncbctl/error.hpp"
#include "ncbctl/plan.hpp"

namespace ncbctl::workflow {

// Names the node once: clients and drivers often already start their messages with "node NAME".
Error about(const Error& e, const std::string& node);
// The value of `key`, or "" when absent.
std::string param(const Params& p, const std::string& key);
std::string utc_stamp();
std::int64_t now_ms();

// Replaces `path` whole and durably (util::write_file_atomic: fsynced, renamed, directory fsynced; mode 0600),
// creating missing directories 0700. Io error naming the file.
Status write_small_file(const std::string& path, const std::string& content);
// The file's content, or "" when it does not exist.
std::string read_small_file(const std::string& path);

// Comma lists of names (plugins, nodes) as stored in state files.
std::string join(const std::set<std::string>& items);
std::set<std::string> split(const std::string& csv);

}  // namespace ncbctl::workflow
