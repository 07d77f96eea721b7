#include "fixture.hpp"

#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "net/http.hpp"

using namespace std::chrono_literals;

namespace ncbtest {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}
std::string sock() {
    std::string s = env("NCB_DOCKER_SOCK");
    if (s.empty()) throw std::runtime_error("NCB_DOCKER_SOCK unset: run through tests/harness/docker-run.sh");
    return s;
}
std::string repo() {
    return env("NCB_TEST_REPO");
}

Engine::Engine() : client_(ncbctl::docker::Endpoint{.socket_path = sock(), .base_url = "http://docker"}) {}

ncbctl::docker::EngineResponse Engine::call(const std::string& method, const std::string& path,
                                            const std::string& body) {
    auto r = client_.call({.method = method, .path = path, .body = body}, ncbctl::Deadline::after(60s));
    if (!r) throw std::runtime_error(r.error().message);
    return *r;
}

Json Engine::inspect(const std::string& name) {
    auto r = call("GET", "/containers/" + name + "/json");
    if (r.status == 404) return nullptr;
    if (r.status != 200) throw std::runtime_error("inspect " + name + ": " + r.body);
    return Json::parse(r.body);
}

Json Engine::image(const std::string& ref) {
    auto r = call("GET", "/images/" + ref + "/json");
    if (r.status == 404) return nullptr;
    return Json::parse(r.body);
}

void Engine::create(const std::string& name, const Json& body) {
    remove(name);
    auto r = call("POST", "/containers/create?name=" + name, body.dump());
    if (r.status != 201) throw std::runtime_error("create " + name + ": " + r.body);
}

void Engine::remove(const std::string& name) {
    call("DELETE", "/containers/" + name + "?force=1&v=1");
}

ncbctl::Node node(const std::string& container, const std::string& endpoint) {
    ncbctl::Node n;
    n.name = "n-" + container;
    n.driver = ncbctl::DriverKind::Docker;
    n.docker.endpoint = endpoint.empty() ? "unix://" + sock() : endpoint;
    n.docker.container = container;
    n.docker.stop_timeout = ncbctl::Seconds{10};
    return n;
}

std::unique_ptr<ncbctl::docker::DockerNodeDriver> driver(const ncbctl::Node& n) {
    auto p = ncbctl::make_docker_driver(n, ncbctl::Inventory{});
    return std::unique_ptr<ncbctl::docker::DockerNodeDriver>(
        static_cast<ncbctl::docker::DockerNodeDriver*>(p.release()));
}

std::string served_version(int port) {
    ncbctl::net::HttpClient http;
    for (int i = 0; i < 100; ++i) {
        auto r = http.perform({.url = "http://127.0.0.1:" + std::to_string(port) + "/version"},
                              ncbctl::Deadline::after(std::chrono::seconds(2)));
        if (r && r->status == 200) {
            std::string v = r->body;
            while (!v.empty() && v.back() == '\n') v.pop_back();
            return v;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return "(no answer)";
}

}  // namespace ncbtest
