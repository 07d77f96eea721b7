#pragma once
// Stricter loading of the inventory, for `ncbctl validate`: besides the document, the machine it runs on.
// With check_files, every local file the inventory refers to must exist and be readable: secret
// references (`*_file`), TLS `ca_file`/`cert_file`/`key_file`, ssh `identity_file` and `config_file`,
// `known_hosts_file` under `host_key_checking: strict` (accept-new creates it), nginx `maintenance_page`.
// Relative paths are resolved against the inventory file's directory, as everywhere. A missing or
// unreadable file is one more Diagnostic at its value; only checked once the document is otherwise valid
// (a half-parsed document has no reliable list of files). Files are never read, only stat'ed. Each must be
// a regular file; a secret file must also be non-empty and at most 64 KiB.
#include "ncbctl/inventory.hpp"

namespace ncbctl {

struct LoadOptions {
    bool check_files = false;
    // When set, receives what check_files found that is not an error (e.g. a secret file others may
    // read: "warning: ..."), also when the inventory is valid.
    std::vector<Diagnostic>* warnings = nullptr;
};

std::expected<Inventory, std::vector<Diagnostic>> load_inventory(const std::string& path, const LoadOptions& opts);
std::expected<Inventory, std::vector<Diagnostic>> parse_inventory(const std::string& yaml_text,
                                                                  const std::string& file_name,
                                                                  const LoadOptions& opts);

}  // namespace ncbctl
