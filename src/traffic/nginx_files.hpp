#pragma once
// The files of the nginx driver on the LB host, through a CommandRunner (local or traffic.via_node): reading
// the include back, and writing the maintenance page plus one variant of the include. Shared by the switch
// (every change) and `ncbctl traffic setup --write` (the first live variant).
// Failure semantics: Io when a file cannot be read for another reason than its absence; the runner's error
// when a write fails (nothing is rolled back here: the switch restores the old file itself).
#include <optional>
#include <string>

#include "ncbctl/command_runner.hpp"
#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/inventory.hpp"
#include "traffic/nginx_config.hpp"

namespace ncbctl::traffic {

// The content of `path` on the runner's host; nullopt when it does not exist.
Result<std::optional<std::string>> read_lb_file(CommandRunner& runner, const std::string& path, const Deadline& d);

// traffic.maintenance_page's content (a local file), or the generated default page.
Result<std::string> maintenance_page_html(const TrafficSpec& spec);

// The include holds the bypass secret when there is one: it is then written 0600, else 0644.
int nginx_include_mode(const TrafficSpec& spec);

// Writes the page (settings.page_file, 0644) and then `include` at spec.include_file atomically. `first`
// (the include did not exist): the directories are created first (`mkdir -p`), as on a fresh LB host.
Status write_nginx_files(CommandRunner& runner, const TrafficSpec& spec, const NginxSettings& settings,
                         const std::string& include, bool first, const Deadline& d);

}  // namespace ncbctl::traffic
