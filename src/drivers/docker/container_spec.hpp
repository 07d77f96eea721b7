#pragma once
// Pure functions of the upgrade's "recreate with only the image changed": which parts of an inspected
// container are its own configuration, and which came from its (old) image and must not be carried.
#include <string>
#include <string_view>

#include "drivers/docker/engine_client.hpp"

namespace ncbctl::docker {

struct ImageRef {
    std::string repo;    // registry/path/name, e.g. 127.0.0.1:5000/ncb/nocobase
    std::string tag;     // "latest" when the reference names none; empty with a digest
    std::string digest;  // sha256:... when pinned by digest
};
// "nocobase/nocobase:2.2.15", "host:5000/a/b", "a@sha256:..." -> parts. A ':' after the last '/' is a tag.
ImageRef parse_image_ref(std::string_view ref);

// The body for POST /containers/create that recreates `container` (GET /containers/{id}/json) from
// `new_image`. Config keys are carried only where they differ from `old_image` (GET /images/{id}/json),
// i.e. the container's own overrides: Env entries, Labels, Cmd/Entrypoint/WorkingDir, User, ExposedPorts,
// Volumes, Healthcheck, StopSignal, Shell. An overridden Entrypoint carries Cmd with it (the engine drops
// the image's Cmd then). HostConfig is carried whole (binds, mounts, network mode, ports, restart policy,
// init, resources). Anonymous volumes of the old container are bound by name so their data follows.
// The primary user-defined network's endpoint settings go to NetworkingConfig; extra networks are listed
// by extra_networks() for a later connect.
Json recreate_body(const Json& container, const Json& old_image, const std::string& new_image);

// Networks the container is attached to besides its NetworkMode, with their endpoint settings.
Json extra_networks(const Json& container);

}  // namespace ncbctl::docker
