// Measuring tool for bench/docker (not a test): runs driver operations against the private engine of
// tests/harness/docker-run.sh and prints figures.
//   ncbctl_docker_bench upgrade N          recreate N busybox nodes 1.0 -> 2.0 (then roll back), per-node times
//   ncbctl_docker_bench import FILE REF    stream FILE (a tar) into images/create?fromSrc=-, peak RSS
//   ncbctl_docker_bench pull CONTAINER TAG pre-pull through the driver (auth from NCBT_REGISTRY_AUTH), peak RSS
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fixture.hpp"
#include "net/http.hpp"

using namespace ncbctl;
using namespace ncbtest;
using namespace std::chrono_literals;

namespace {

long peak_rss_kb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void summary(const char* what, std::vector<double> v) {
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    std::printf("%-28s n=%zu  min %.1f  median %.1f  max %.1f  mean %.1f ms\n", what, v.size(), v.front(),
                v[v.size() / 2], v.back(), sum / static_cast<double>(v.size()));
}

int upgrade(int n) {
    Engine e;
    std::vector<double> up, rb;
    for (int i = 0; i < n; ++i) {
        const std::string name = "bench-n" + std::to_string(i);
        e.create(name,
                 {{"Image", repo() + ":1.0"},
                  {"Env", {"APP_PORT=" + std::to_string(13170 + i), "SHARED=mine"}},
                  {"Labels", {{"ncb.node", name}}},
                  {"HostConfig", {{"NetworkMode", "host"}, {"Init", true}, {"RestartPolicy", {{"Name", "no"}}}}}});
        auto d = driver(node(name));
        if (!d->start(Deadline::after(60s))) return 1;
        auto t0 = std::chrono::steady_clock::now();
        auto r = d->upgrade("2.0", Deadline::after(120s));
        up.push_back(ms_since(t0));
        if (!r) {
            std::fprintf(stderr, "%s\n", r.error().message.c_str());
            return 1;
        }
        t0 = std::chrono::steady_clock::now();
        if (!d->rollback("1.0", Deadline::after(120s))) return 1;
        rb.push_back(ms_since(t0));
        e.remove(name);
    }
    summary("driver upgrade (stop+recreate)", up);
    summary("driver rollback (swap back)", rb);
    return 0;
}

int import(const std::string& file, const std::string& ref) {
    Engine e;
    const auto size = std::filesystem::file_size(file);
    const long before = peak_rss_kb();
    const auto colon = ref.rfind(':');
    std::uint64_t lines = 0;
    docker::EngineRequest req{.method = "POST",
                              .path = "/images/create?fromSrc=-&repo=" + net::url_encode(ref.substr(0, colon)) +
                                      "&tag=" + net::url_encode(ref.substr(colon + 1)),
                              .body_file = file,
                              .content_type = "application/x-tar"};
    req.on_body = [&](std::string_view c) {
        lines += static_cast<std::uint64_t>(std::count(c.begin(), c.end(), '\n'));
        return true;
    };
    auto t0 = std::chrono::steady_clock::now();
    auto r = e.client().call(req, Deadline::after(900s));
    const double ms = ms_since(t0);
    if (!r || r->status != 200) {
        std::fprintf(stderr, "import failed: %s\n", r ? std::to_string(r->status).c_str() : r.error().message.c_str());
        return 1;
    }
    std::printf("import %.0f MiB (streamed request body): %.1f s, peak RSS %ld -> %ld KiB\n",
                static_cast<double>(size) / 1048576.0, ms / 1000, before, peak_rss_kb());
    return 0;
}

int pull(const std::string& container, const std::string& tag) {
    Node n = node(container);
    n.docker.registry_auth.env = "NCBT_REGISTRY_AUTH";
    auto d = driver(n);
    const long before = peak_rss_kb();
    auto t0 = std::chrono::steady_clock::now();
    auto r = d->prepare(tag, Deadline::after(900s));
    const double ms = ms_since(t0);
    if (!r) {
        std::fprintf(stderr, "pull failed: %s\n", r.error().message.c_str());
        return 1;
    }
    std::printf("pull %s (streamed progress): %.1f s, peak RSS %ld -> %ld KiB\n", tag.c_str(), ms / 1000, before,
                peak_rss_kb());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> a(argv + 1, argv + argc);
    try {
        if (a.size() == 2 && a[0] == "upgrade") return upgrade(std::stoi(a[1]));
        if (a.size() == 3 && a[0] == "import") return import(a[1], a[2]);
        if (a.size() == 3 && a[0] == "pull") return pull(a[1], a[2]);
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "bench: %s\n", ex.what());
        return 1;
    }
    std::fprintf(stderr, "usage: ncbctl_docker_bench upgrade N | import FILE REF | pull CONTAINER TAG\n");
    return 2;
}
