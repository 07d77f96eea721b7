#include "nocobase/npm_registry.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "net/http.hpp"
#include "nocobase/readiness.hpp"
#include "util/redact.hpp"

namespace ncbctl::nocobase {

Result<RegistryPackage> parse_packument(std::string_view body, std::string_view package) {
    const auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("versions") || !j["versions"].is_object())
        return fail(ErrorCode::Protocol,
                    "the answer for " + std::string(package) + " is not an npm packument: " + printable(body, 120));
    RegistryPackage out;
    out.name = j.value("name", std::string(package));
    for (const auto& [version, meta] : j["versions"].items()) out.versions.push_back(version);
    if (auto tags = j.find("dist-tags"); tags != j.end() && tags->is_object())
        if (auto latest = tags->find("latest"); latest != tags->end() && latest->is_string())
            out.latest = latest->get<std::string>();
    return out;
}

Result<RegistryPackage> fetch_registry_package(const std::string& registry, const std::string& package,
                                               const Deadline& deadline) {
    std::string base = registry;
    while (base.ends_with('/')) base.pop_back();
    const std::string url = base + "/" + package;
    const std::string shown = util::redact_url(url);
    net::HttpClient http;
    net::HttpRequest req{.url = url, .headers = {{"Accept", "application/json"}}};
    req.follow_redirects = true;
    auto r = http.perform(req, deadline);
    if (!r) return fail(ErrorCode::Unreachable, shown + ": " + r.error().message, true);
    if (r->status == 404) return fail(ErrorCode::NotFound, shown + " answers 404: the registry has no " + package);
    if (r->status == 401 || r->status == 403)
        return fail(ErrorCode::Auth, shown + " answers " + std::to_string(r->status));
    if (r->status != 200) return fail(ErrorCode::Unreachable, shown + " answers " + std::to_string(r->status), true);
    auto parsed = parse_packument(r->body, package);
    if (!parsed) return fail(ErrorCode::Unreachable, shown + ": " + parsed.error().message, true);
    return parsed;
}

}  // namespace ncbctl::nocobase
