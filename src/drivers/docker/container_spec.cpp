#include "drivers/docker/container_spec.hpp"

#include <algorithm>
#include <set>

namespace ncbctl::docker {
namespace {

const Json& member(const Json& obj, const char* key) {
    static const Json kNull;
    if (!obj.is_object()) return kNull;
    auto it = obj.find(key);
    return it == obj.end() ? kNull : *it;
}

bool empty_value(const Json& v) {
    return v.is_null() || ((v.is_array() || v.is_object() || v.is_string()) && v.empty());
}

// Equal when both are "unset" (null, "", [], {}) or identical.
bool same(const Json& a, const Json& b) {
    if (empty_value(a) && empty_value(b)) return true;
    return a == b;
}

// Keys of `own` whose value differs from `img`'s (maps such as Labels, ExposedPorts, Volumes).
Json map_overrides(const Json& own, const Json& img) {
    Json out = Json::object();
    if (!own.is_object()) return out;
    for (auto it = own.begin(); it != own.end(); ++it) {
        const Json& base = member(img, it.key().c_str());
        if (!img.is_object() || !img.contains(it.key()) || base != it.value()) out[it.key()] = it.value();
    }
    return out;
}

bool is_builtin_network(const std::string& mode) {
    return mode.empty() || mode == "default" || mode == "bridge" || mode == "host" || mode == "none" ||
           mode.starts_with("container:");
}

}  // namespace

ImageRef parse_image_ref(std::string_view ref) {
    ImageRef r;
    if (auto at = ref.find('@'); at != std::string_view::npos) {
        r.digest = std::string(ref.substr(at + 1));
        ref = ref.substr(0, at);
    }
    const auto slash = ref.rfind('/');
    const auto colon = ref.rfind(':');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
        r.tag = std::string(ref.substr(colon + 1));
        ref = ref.substr(0, colon);
    } else if (r.digest.empty()) {
        r.tag = "latest";
    }
    r.repo = std::string(ref);
    return r;
}

Json recreate_body(const Json& container, const Json& old_image, const std::string& new_image) {
    const Json& c = member(container, "Config");
    const Json& img = member(old_image, "Config");
    Json b = Json::object();

    Json env = Json::array();
    std::set<std::string> image_env;
    for (const auto& e : member(img, "Env"))
        if (e.is_string()) image_env.insert(e.get<std::string>());
    for (const auto& e : member(c, "Env"))
        if (e.is_string() && !image_env.contains(e.get<std::string>())) env.push_back(e);
    if (!env.empty()) b["Env"] = env;

    for (const char* key : {"Labels", "ExposedPorts", "Volumes"}) {
        Json own = map_overrides(member(c, key), member(img, key));
        if (!own.empty()) b[key] = own;
    }

    const bool entrypoint_overridden = !same(member(c, "Entrypoint"), member(img, "Entrypoint"));
    if (entrypoint_overridden) {
        b["Entrypoint"] = member(c, "Entrypoint");
        b["Cmd"] = member(c, "Cmd");  // the engine ignores the image's Cmd once Entrypoint is set
    } else if (!same(member(c, "Cmd"), member(img, "Cmd"))) {
        b["Cmd"] = member(c, "Cmd");
    }
    for (const char* key : {"WorkingDir", "User", "Healthcheck", "StopSignal", "Shell", "OnBuild"}) {
        if (!same(member(c, key), member(img, key))) b[key] = member(c, key);
    }
    // Never in an image: always the container's own.
    for (const char* key : {"Tty", "OpenStdin", "StdinOnce", "AttachStdin", "AttachStdout", "AttachStderr",
                            "StopTimeout", "Domainname"}) {
        if (c.is_object() && c.contains(key) && !member(c, key).is_null()) b[key] = member(c, key);
    }

    Json host = member(container, "HostConfig");
    if (!host.is_object()) host = Json::object();
    const std::string mode = member(host, "NetworkMode").is_string() ? host["NetworkMode"].get<std::string>() : "";

    // A hostname the engine generated is the old container's id; a chosen one is configuration.
    const std::string id = member(container, "Id").is_string() ? container["Id"].get<std::string>() : "";
    const Json& hostname = member(c, "Hostname");
    if (hostname.is_string() && !hostname.get<std::string>().empty() && !id.starts_with(hostname.get<std::string>()) &&
        mode != "host" && !mode.starts_with("container:"))
        b["Hostname"] = hostname;

    // Anonymous volumes: bind the old volume by name at the same place, so the data follows.
    std::set<std::string> covered;
    for (const auto& bind : member(host, "Binds")) {
        if (!bind.is_string()) continue;
        const std::string s = bind.get<std::string>();
        const auto first = s.find(':');
        if (first == std::string::npos) continue;
        covered.insert(s.substr(first + 1, s.find(':', first + 1) - first - 1));
    }
    for (const auto& m : member(host, "Mounts"))
        if (member(m, "Target").is_string()) covered.insert(m["Target"].get<std::string>());
    for (const auto& m : member(container, "Mounts")) {
        if (member(m, "Type") != "volume" || !member(m, "Name").is_string() || !member(m, "Destination").is_string())
            continue;
        const std::string dest = m["Destination"].get<std::string>();
        if (covered.contains(dest)) continue;
        std::string bind = m["Name"].get<std::string>() + ":" + dest;
        if (member(m, "RW") == false) bind += ":ro";
        if (!host.contains("Binds") || !host["Binds"].is_array()) host["Binds"] = Json::array();
        host["Binds"].push_back(bind);
    }
    b["HostConfig"] = host;

    if (!is_builtin_network(mode)) {
        const Json& ep = member(member(member(container, "NetworkSettings"), "Networks"), mode.c_str());
        if (ep.is_object()) {
            Json cfg = Json::object();
            if (!member(ep, "IPAMConfig").is_null()) cfg["IPAMConfig"] = ep["IPAMConfig"];
            Json aliases = Json::array();
            for (const auto& a : member(ep, "Aliases"))
                if (a.is_string() && !id.starts_with(a.get<std::string>())) aliases.push_back(a);
            if (!aliases.empty()) cfg["Aliases"] = aliases;
            if (!member(ep, "Links").is_null()) cfg["Links"] = ep["Links"];
            b["NetworkingConfig"] = {{"EndpointsConfig", {{mode, cfg}}}};
        }
    }
    b["Image"] = new_image;
    return b;
}

Json extra_networks(const Json& container) {
    Json out = Json::object();
    const Json& host = member(container, "HostConfig");
    const std::string mode = member(host, "NetworkMode").is_string() ? host["NetworkMode"].get<std::string>() : "";
    if (is_builtin_network(mode) && mode != "bridge" && mode != "default") return out;
    const std::string id = member(container, "Id").is_string() ? container["Id"].get<std::string>() : "";
    const Json& nets = member(member(container, "NetworkSettings"), "Networks");
    if (!nets.is_object()) return out;
    for (auto it = nets.begin(); it != nets.end(); ++it) {
        if (it.key() == mode || (mode == "default" && it.key() == "bridge")) continue;
        Json cfg = Json::object();
        if (!member(it.value(), "IPAMConfig").is_null()) cfg["IPAMConfig"] = it.value()["IPAMConfig"];
        Json aliases = Json::array();
        for (const auto& a : member(it.value(), "Aliases"))
            if (a.is_string() && !id.starts_with(a.get<std::string>())) aliases.push_back(a);
        if (!aliases.empty()) cfg["Aliases"] = aliases;
        out[it.key()] = cfg;
    }
    return out;
}

}  // namespace ncbctl::docker
