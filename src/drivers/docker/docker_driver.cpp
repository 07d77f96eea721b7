#include "drivers/docker/docker_driver.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "drivers/docker/container_spec.hpp"
#include "drivers/docker/exec_stream.hpp"
#include "drivers/docker/streams.hpp"
#include "util/log_excerpt.hpp"

namespace ncbctl::docker {
namespace {

using namespace std::chrono_literals;

std::string enc(std::string_view s) {
    return net::url_encode(s);
}

ServiceState service_of(const std::string& status) {
    if (status == "running" || status == "restarting") return ServiceState::Running;
    if (status == "created" || status == "exited" || status == "dead") return ServiceState::Stopped;
    return ServiceState::Unknown;  // paused, removing
}

std::string str(const Json& j, const char* key) {
    if (!j.is_object()) return {};
    auto it = j.find(key);
    return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

// docker.io/library/x == x, for comparing what the user wrote with what the engine recorded.
std::string normal_repo(std::string repo) {
    for (std::string_view p : {"docker.io/", "index.docker.io/"})
        if (repo.starts_with(p)) repo.erase(0, p.size());
    if (repo.starts_with("library/")) repo.erase(0, 8);
    return repo;
}

// A streamed answer whose start is kept (bounded) so a non-2xx status can still be explained.
struct Head {
    std::string text;
    void keep(std::string_view c) { text.append(c.substr(0, std::min<std::size_t>(c.size(), 4096 - text.size()))); }
};

bool network_trouble(std::string_view msg) {
    for (std::string_view s : {"connection refused", "i/o timeout", "TLS handshake timeout", "connection reset",
                               "no such host", "Client.Timeout"})
        if (msg.find(s) != std::string_view::npos) return true;
    return false;
}

}  // namespace

DockerNodeDriver::DockerNodeDriver(std::string node_name, DockerNode config, Result<Endpoint> endpoint)
    : name_(std::move(node_name)),
      config_(std::move(config)),
      engine_(endpoint ? *endpoint : Endpoint{.display = config_.endpoint}) {
    if (!endpoint) config_error_ = endpoint.error();
}

Error DockerNodeDriver::err(Error e) const {
    return e.with_context("node " + name_ + ": ");
}

Result<Json> DockerNodeDriver::inspect_container(const std::string& name, const Deadline& d) {
    auto r = engine_.get("/containers/" + enc(name) + "/json", d);
    if (!r) return fail(err(r.error()));
    if (r->status == 404) return Json(nullptr);
    if (r->status != 200) return fail(err(engine_.api_error(*r, "inspect container " + name)));
    auto j = r->json();
    if (!j) return fail(err(j.error()));
    return j;
}

Result<NodeState> DockerNodeDriver::probe(const Deadline& d) {
    if (config_error_) return fail(err(*config_error_));
    NodeState st;
    auto c = inspect_container(config_.container, d);
    if (!c) {
        if (c.error().code != ErrorCode::Unreachable && c.error().code != ErrorCode::Timeout)
            return std::unexpected(c.error());
        st.detail = c.error().message;
        return st;
    }
    st.reachable = true;
    if (c->is_null()) {
        st.service = ServiceState::Missing;
        st.detail = "container " + config_.container + " does not exist on " + engine_.endpoint().display;
        return st;
    }
    const std::string status = str((*c)["State"], "Status");
    const std::string image = str((*c)["Config"], "Image");
    st.service = service_of(status);
    const ImageRef ref = parse_image_ref(image);
    st.deployed_version = ref.tag.empty() ? ref.digest : ref.tag;
    st.detail = "container " + config_.container + " " + str(*c, "Id").substr(0, 12) + " " + status + " image " +
                image + " (engine API " + engine_.api_version(d).value_or("?") + ")";
    return st;
}

Status DockerNodeDriver::stop_container(const std::string& name, const Deadline& d) {
    // The engine waits t seconds then kills: keep t inside the caller's budget.
    long long t = config_.stop_timeout.count();
    const auto rem = d.remaining();
    if (rem != Duration::max()) t = std::clamp<long long>(rem.count() / 1000 - 2, 0, t);
    auto r = engine_.post("/containers/" + enc(name) + "/stop?t=" + std::to_string(t), "", d);
    if (!r) return fail(err(r.error()));
    if (r->status == 204 || r->status == 304) return {};
    return fail(err(engine_.api_error(*r, "stop container " + name)));
}

Status DockerNodeDriver::stop(const Deadline& d) {
    if (config_error_) return fail(err(*config_error_));
    return stop_container(config_.container, d);
}

Status DockerNodeDriver::start(const Deadline& d) {
    if (config_error_) return fail(err(*config_error_));
    auto r = engine_.post("/containers/" + enc(config_.container) + "/start", "", d);
    if (!r) return fail(err(r.error()));
    if (r->status == 204 || r->status == 304) return {};
    Error e = engine_.api_error(*r, "start container " + config_.container);
    if (r->status == 404) e.message += " (create the container, or run upgrade, first)";
    return fail(err(std::move(e)));
}

Result<ExecResult> DockerNodeDriver::exec(const Argv& argv, const Deadline& d) {
    if (config_error_) return fail(err(*config_error_));
    auto r = exec_in_container(engine_, config_.container, {.argv = argv}, d);
    if (!r) return fail(err(r.error()));
    if (r->dropped > 0)
        spdlog::warn("node {}: exec output over {} MiB per stream was dropped ({} bytes)", name_, 16, r->dropped);
    return ExecResult{r->exit_code, std::move(r->out), std::move(r->err)};
}

Result<std::string> DockerNodeDriver::image_for(const std::string& version, const Deadline& d) {
    if (version.empty() || version.find_first_of("/@ ") != std::string::npos)
        return fail(err({ErrorCode::Usage, "invalid image tag '" + version + "'"}));
    std::string repo = config_.image;
    if (repo.empty()) {
        // No repository in the inventory: the one the container runs now (or ran, before a crash).
        for (const std::string& n : {config_.container, previous_name()}) {
            auto c = inspect_container(n, d);
            if (!c) return std::unexpected(c.error());
            if (!c->is_null()) {
                repo = parse_image_ref(str((*c)["Config"], "Image")).repo;
                break;
            }
        }
        if (repo.empty())
            return fail(err({ErrorCode::NotFound, "container " + config_.container + " does not exist on " +
                                                      engine_.endpoint().display +
                                                      " and the inventory names no image; set docker.image"}));
    }
    return repo + ":" + version;
}

Result<std::string> DockerNodeDriver::registry_auth_header(const std::string& repo) const {
    auto secret = resolve_secret(config_.registry_auth);
    if (!secret)
        return fail(err(secret.error().with_context("registry auth (" + config_.registry_auth.describe() + "): ")));
    // Already an X-Registry-Auth value (base64 of a JSON object starts with "ey")?
    if (secret->starts_with("ey")) return *secret;
    const auto colon = secret->find(':');
    if (colon == std::string::npos)
        return fail(err({ErrorCode::Inventory, "registry auth (" + config_.registry_auth.describe() +
                                                   "): expected user:password or a base64 X-Registry-Auth JSON"}));
    std::string server = "https://index.docker.io/v1/";
    if (const auto slash = repo.find('/'); slash != std::string::npos) {
        const std::string first = repo.substr(0, slash);
        if (first.find_first_of(".:") != std::string::npos || first == "localhost") server = first;
    }
    const Json auth = {
        {"username", secret->substr(0, colon)}, {"password", secret->substr(colon + 1)}, {"serveraddress", server}};
    return base64url(auth.dump());
}

Status DockerNodeDriver::prepare(const std::string& version, const Deadline& d) {
    if (config_error_) return fail(err(*config_error_));
    auto image = image_for(version, d);
    if (!image) return std::unexpected(image.error());
    auto have = engine_.get("/images/" + *image + "/json", d);
    if (!have) return fail(err(have.error()));
    if (have->status == 200) {
        spdlog::debug("node {}: image {} is present, no pull", name_, *image);
        return {};
    }
    if (have->status != 404) return fail(err(engine_.api_error(*have, "inspect image " + *image)));

    const ImageRef ref = parse_image_ref(*image);
    EngineRequest pull{.method = "POST", .path = "/images/create?fromImage=" + enc(ref.repo) + "&tag=" + enc(ref.tag)};
    if (!config_.registry_auth.empty()) {
        auto auth = registry_auth_header(ref.repo);
        if (!auth) return std::unexpected(auth.error());
        pull.headers.emplace_back("X-Registry-Auth", *auth);
    }
    Head head;
    std::string stream_error, last_status;
    std::uint64_t messages = 0;
    LineSplitter lines([&](std::string_view line) {
        ++messages;
        auto j = Json::parse(line, nullptr, false);
        if (!j.is_object()) return true;
        if (j.contains("error")) {
            stream_error = engine_message(Json{{"message", str(j, "error")}}.dump());
            return false;
        }
        const std::string status = str(j, "status");
        if (!status.empty() && status != last_status && !j.contains("progressDetail")) {
            spdlog::debug("node {}: pull {}: {} {}", name_, *image, str(j, "id"), status);
            last_status = status;
        }
        return true;
    });
    pull.on_body = [&](std::string_view chunk) {
        head.keep(chunk);
        return lines.feed(chunk);
    };
    spdlog::info("node {}: pulling {}", name_, *image);
    auto r = engine_.call(pull, d);
    if (!r && stream_error.empty()) return fail(err(r.error()));
    if (r && r->status != 200) {
        r->body = head.text;
        Error e = engine_.api_error(*r, "pull " + *image);
        e.transient = network_trouble(e.message);
        return fail(err(std::move(e)));
    }
    lines.finish();
    if (!stream_error.empty()) {
        const bool missing = stream_error.find("not found") != std::string::npos ||
                             stream_error.find("manifest unknown") != std::string::npos;
        return fail(err({missing ? ErrorCode::NotFound : ErrorCode::Remote,
                         "docker engine " + engine_.endpoint().display + ": pull " + *image + ": " + stream_error,
                         network_trouble(stream_error)}));
    }
    auto check = engine_.get("/images/" + *image + "/json", d);
    if (!check) return fail(err(check.error()));
    if (check->status != 200)
        return fail(err({ErrorCode::Remote, "pull " + *image + " ended after " + std::to_string(messages) +
                                                " progress messages but the image is not there"}));
    spdlog::info("node {}: pulled {}", name_, *image);
    return {};
}

Status DockerNodeDriver::rename_container(const std::string& from, const std::string& to, const Deadline& d) {
    auto r = engine_.post("/containers/" + enc(from) + "/rename?name=" + enc(to), "", d);
    if (!r) return fail(err(r.error()));
    if (r->status == 204 || r->status == 200) return {};
    return fail(err(engine_.api_error(*r, "rename container " + from + " to " + to)));
}

Status DockerNodeDriver::remove_container(const std::string& name, const Deadline& d) {
    // Without v=1: the container's volumes stay (the kept container may share them).
    auto r = engine_.call({.method = "DELETE", .path = "/containers/" + enc(name)}, d);
    if (!r) return fail(err(r.error()));
    if (r->status == 204 || r->status == 404) return {};
    return fail(err(engine_.api_error(*r, "remove container " + name)));
}

Status DockerNodeDriver::create_from(const Json& old_container, const std::string& image, const Deadline& d) {
    const std::string old_image_id = str(old_container, "Image");
    auto ir = engine_.get("/images/" + old_image_id + "/json", d);
    if (!ir) return fail(err(ir.error()));
    if (ir->status != 200) {
        Error e = engine_.api_error(*ir, "inspect the old image " + old_image_id.substr(0, 19));
        e.message +=
            " (needed to tell the container's own settings from its image's; do not prune it before the "
            "upgrade)";
        return fail(err(std::move(e)));
    }
    auto old_image = ir->json();
    if (!old_image) return fail(err(old_image.error()));
    const Json body = recreate_body(old_container, *old_image, image);
    auto cr = engine_.post("/containers/create?name=" + enc(config_.container), body.dump(), d);
    if (!cr) return fail(err(cr.error()));
    if (cr->status != 201) {
        Error e = engine_.api_error(*cr, "create container " + config_.container + " from " + image);
        if (cr->status == 404) e.message += " (pull the image first: prepare / pre-pull)";
        return fail(err(std::move(e)));
    }
    const Json extra = extra_networks(old_container);
    for (auto it = extra.begin(); it != extra.end(); ++it) {
        const Json conn = {{"Container", config_.container}, {"EndpointConfig", it.value()}};
        auto nr = engine_.post("/networks/" + enc(it.key()) + "/connect", conn.dump(), d);
        if (!nr) return fail(err(nr.error()));
        if (nr->status != 200) return fail(err(engine_.api_error(*nr, "connect to network " + it.key())));
    }
    return {};
}

Status DockerNodeDriver::upgrade(const std::string& version, const Deadline& d) {
    if (config_error_) return fail(err(*config_error_));
    auto image = image_for(version, d);
    if (!image) return std::unexpected(image.error());
    if (auto p = prepare(version, d); !p) return p;

    auto cur = inspect_container(config_.container, d);
    if (!cur) return std::unexpected(cur.error());
    auto prev = inspect_container(previous_name(), d);
    if (!prev) return std::unexpected(prev.error());

    Json old;
    if (!cur->is_null()) {
        const ImageRef now = parse_image_ref(str((*cur)["Config"], "Image"));
        const ImageRef want = parse_image_ref(*image);
        if (normal_repo(now.repo) == normal_repo(want.repo) && now.tag == want.tag) {
            // Already recreated (a re-run after a crash or a finished run): only the marker may be missing.
            spdlog::info("node {}: container {} already uses {}", name_, config_.container, *image);
            if (!config_.upgrade_marker_dir.empty() && str((*cur)["State"], "Status") == "created")
                return put_upgrade_marker(config_.upgrade_marker_dir, d);
            return {};
        }
        if (auto s = stop_container(config_.container, d); !s) return s;
        if (!prev->is_null()) {
            // Kept by an earlier upgrade; the container being replaced now becomes the one to keep.
            spdlog::info("node {}: removing {} kept by an earlier upgrade", name_, previous_name());
            if (auto s = stop_container(previous_name(), d); !s) return s;
            if (auto s = remove_container(previous_name(), d); !s) return s;
        }
        if (auto s = rename_container(config_.container, previous_name(), d); !s) return s;
        old = std::move(*cur);
    } else if (!prev->is_null()) {
        spdlog::info("node {}: resuming upgrade: {} exists, {} does not", name_, previous_name(), config_.container);
        old = std::move(*prev);
    } else {
        return fail(err({ErrorCode::NotFound, "container " + config_.container + " does not exist on " +
                                                  engine_.endpoint().display + " (nor " + previous_name() + ")"}));
    }
    if (auto s = create_from(old, *image, d); !s) return s;
    spdlog::info("node {}: recreated {} from {} (not started; previous kept as {})", name_, config_.container, *image,
                 previous_name());
    if (!config_.upgrade_marker_dir.empty()) return put_upgrade_marker(config_.upgrade_marker_dir, d);
    return {};
}

Status DockerNodeDriver::rollback(const std::string& previous_version, const Deadline& d) {
    if (config_error_) return fail(err(*config_error_));
    auto cur = inspect_container(config_.container, d);
    if (!cur) return std::unexpected(cur.error());
    auto prev = inspect_container(previous_name(), d);
    if (!prev) return std::unexpected(prev.error());
    if (!prev->is_null()) {
        const std::string kept = parse_image_ref(str((*prev)["Config"], "Image")).tag;
        if (!previous_version.empty() && kept != previous_version)
            spdlog::warn("node {}: {} runs tag {}, not {}; swapping it back anyway", name_, previous_name(), kept,
                         previous_version);
        if (!cur->is_null()) {
            if (auto s = stop_container(config_.container, d); !s) return s;
            if (auto s = remove_container(config_.container, d); !s) return s;
        }
        if (auto s = rename_container(previous_name(), config_.container, d); !s) return s;
        spdlog::info("node {}: rolled back to {} (not started)", name_, str((*prev)["Config"], "Image"));
        return {};
    }
    if (cur->is_null())
        return fail(err({ErrorCode::NotFound, "neither " + config_.container + " nor " + previous_name() +
                                                  " exists on " + engine_.endpoint().display}));
    const std::string tag = parse_image_ref(str((*cur)["Config"], "Image")).tag;
    if (previous_version.empty() || tag == previous_version) return {};  // already rolled back
    return fail(err({ErrorCode::Conflict, "no " + previous_name() + " to roll back to; " + config_.container +
                                              " runs tag " + tag + ", not " + previous_version}));
}

// Timestamped, both streams; a container with a TTY answers raw text, one without it the framed stream.
Result<std::string> DockerNodeDriver::logs(int lines, const Deadline& d) {
    if (config_error_) return fail(err(*config_error_));
    auto c = inspect_container(config_.container, d);
    if (!c) return fail(c.error());
    if (c->is_null())
        return fail(err(Error{ErrorCode::NotFound, "container " + config_.container + " does not exist", false}));
    const bool tty = (*c)["Config"].is_object() && (*c)["Config"].value("Tty", false);
    auto r = engine_.get(
        "/containers/" + enc(config_.container) + "/logs?stdout=1&stderr=1&timestamps=1&tail=" + std::to_string(lines),
        d);
    if (!r) return fail(err(r.error()));
    if (r->status != 200) return fail(err(engine_.api_error(*r, "read the logs of container " + config_.container)));
    if (tty) return util::log_excerpt(r->body, static_cast<std::size_t>(lines));
    FrameDemuxer frames(16U * 1024U * 1024U, true);
    frames.feed(r->body);
    return util::log_excerpt(frames.out(), static_cast<std::size_t>(lines));
}

// Without upgrade_marker_dir the image is trusted to upgrade at every start, as the official image's
// entrypoint does (`start --quickstart` runs app.upgrade() when installed).
Status DockerNodeDriver::mark_upgrade(const Deadline& d) {
    if (config_error_) return fail(err(*config_error_));
    if (config_.upgrade_marker_dir.empty()) return {};
    return put_upgrade_marker(config_.upgrade_marker_dir, d);
}

Status DockerNodeDriver::put_upgrade_marker(const std::string& dir, const Deadline& d) {
    EngineRequest put{.method = "PUT",
                      .path = "/containers/" + enc(config_.container) + "/archive?path=" + enc(dir),
                      .body = single_file_tar(".upgrading", ""),
                      .content_type = "application/x-tar"};
    auto r = engine_.call(put, d);
    if (!r) return fail(err(r.error()));
    if (r->status == 200) return {};
    return fail(err(engine_.api_error(*r, "put .upgrading into " + config_.container + ":" + dir)));
}

}  // namespace ncbctl::docker

namespace ncbctl {

NodeDriverPtr make_docker_driver(const Node& node, const Inventory& inventory) {
    DockerNode cfg = node.docker;
    auto ep = docker::parse_endpoint(cfg);
    if (ep) {
        ep->node = node.name;
        ep->connect_timeout = std::chrono::duration_cast<Duration>(inventory.timeouts.connect);
    }
    return std::make_unique<docker::DockerNodeDriver>(node.name, std::move(cfg), std::move(ep));
}

}  // namespace ncbctl
