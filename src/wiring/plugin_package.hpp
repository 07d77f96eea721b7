#pragma once
// A plugin package tarball given to `ncbctl plugin upgrade FILE.tgz`: its npm name and version, read
// from package/package.json inside it (the layout `npm pack` writes and NocoBase's pm:update expects).
// In the wiring because it reads the tarball with `tar` on this machine (net::run_process); the commands
// (plugin upgrade, maintain) call it before they plan.
#include <string>

#include "ncbctl/error.hpp"

namespace ncbctl::wiring {

struct PluginPackage {
    std::string path;  // absolute
    std::string name;  // e.g. @nocobase/plugin-sample-hello
    std::string version;
};

bool looks_like_package_file(const std::string& arg);  // ends in .tgz or .tar.gz
// Usage error naming the file when it is missing, unreadable or not an npm package tarball.
Result<PluginPackage> read_plugin_package(const std::string& file);

}  // namespace ncbctl::wiring
