#pragma once
// Shared by the Docker integration tests and the bench tool: the private engine started by
// tests/harness/docker-run.sh (environment NCB_DOCKER_*), a raw Engine API client for setting containers up
// and for asserting on them independently of the driver.
#include <memory>
#include <string>

#include "drivers/docker/docker_driver.hpp"
#include "drivers/docker/engine_client.hpp"

namespace ncbtest {

using ncbctl::docker::Json;

std::string env(const char* name);  // "" when unset
std::string sock();                 // NCB_DOCKER_SOCK
std::string repo();                 // NCB_TEST_REPO (127.0.0.1:13198/ncb-test/app)

class Engine {
public:
    Engine();
    // GET /containers/{name}/json, or null when absent; throws std::runtime_error on anything else.
    Json inspect(const std::string& name);
    Json image(const std::string& ref);
    void create(const std::string& name, const Json& body);  // throws unless 201
    void remove(const std::string& name);                    // force, with anonymous volumes; absent is fine
    ncbctl::docker::EngineResponse call(const std::string& method, const std::string& path,
                                        const std::string& body = {});
    ncbctl::docker::EngineClient& client() { return client_; }

private:
    ncbctl::docker::EngineClient client_;
};

// What the busybox test image's httpd serves at /version on 127.0.0.1:port, polled until it answers (the
// container was just started); "(no answer)" after about ten seconds.
std::string served_version(int port);

ncbctl::Node node(const std::string& container, const std::string& endpoint = {});
std::unique_ptr<ncbctl::docker::DockerNodeDriver> driver(const ncbctl::Node& n);

}  // namespace ncbtest
