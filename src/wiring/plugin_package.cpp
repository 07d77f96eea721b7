#include "wiring/plugin_package.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>

#include "net/process.hpp"

namespace ncbctl::wiring {

bool looks_like_package_file(const std::string& arg) {
    return arg.ends_with(".tgz") || arg.ends_with(".tar.gz");
}

Result<PluginPackage> read_plugin_package(const std::string& file) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path abs = fs::absolute(file, ec);
    if (ec || !fs::is_regular_file(abs, ec))
        return fail(ErrorCode::Usage, file + ": no such package file (give the .tgz that `npm pack` wrote)");
    // tar reads only the one member; the archive itself is uploaded to the node unchanged.
    auto r = net::run_process({.argv = {"tar", "-xzOf", abs.string(), "package/package.json"}},
                              Deadline::after(std::chrono::seconds(30)));
    if (!r) return fail(r.error().with_context(file + ": "));
    if (r->exit_code != 0)
        return fail(ErrorCode::Usage,
                    file + ": not an npm package tarball (no package/package.json): " + net::last_lines(r->err));
    auto j = nlohmann::json::parse(r->out, nullptr, false);
    if (!j.is_object() || !j.contains("name") || !j["name"].is_string() || !j.contains("version") ||
        !j["version"].is_string())
        return fail(ErrorCode::Usage, file + ": package/package.json has no name and version");
    return PluginPackage{abs.string(), j["name"].get<std::string>(), j["version"].get<std::string>()};
}

}  // namespace ncbctl::wiring
