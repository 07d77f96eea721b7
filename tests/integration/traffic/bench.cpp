// bench/traffic runs this hidden test: how long after the switch call clients see the change through
// the LB (first 503 after `maintenance`, first 200 after `live`), per driver. Prints, asserts nothing.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <thread>
#include <vector>

#include "lb_peers.hpp"
#include "ncbctl/command_runner.hpp"
#include "ncbctl/traffic_switch.hpp"
#include "net/http.hpp"
#include "net/local_runner.hpp"
#include "wiring/wiring.hpp"

using namespace ncbctl;
using namespace ncbctl::traffic_test;

namespace {

using Ms = std::chrono::duration<double, std::milli>;

struct Sample {
    double visible_ms = -1;   // switch call -> first answer with the wanted status through the LB
    double returned_ms = -1;  // switch call -> call returned (includes the driver's verify)
};

// A client hammering the LB on new connections from before the call until it sees `want`.
Sample measure(const std::string& url, long want, const std::function<Status()>& op) {
    std::atomic<bool> started{false};
    std::atomic<Clock::time_point> t0{Clock::time_point::max()};
    Sample s;
    std::thread poller([&] {
        started = true;
        const Deadline give_up = Deadline::after(10s);
        while (!give_up.expired()) {
            net::HttpClient http;
            auto r = http.perform({.url = url}, Deadline::after(2s));
            const auto now = Clock::now();
            if (r && r->status == want && now > t0.load()) {
                s.visible_ms = Ms(now - t0.load()).count();
                return;
            }
        }
    });
    while (!started) std::this_thread::yield();
    t0 = Clock::now();
    auto ok = op();
    s.returned_ms = Ms(Clock::now() - t0.load()).count();
    poller.join();
    if (!ok) std::printf("  switch failed: %s\n", ok.error().message.c_str());
    return s;
}

void report(const char* what, std::vector<double> v) {
    std::ranges::sort(v);
    std::printf("  %-34s median %7.1f ms  min %7.1f  max %7.1f  (n=%zu)\n", what, v[v.size() / 2], v.front(), v.back(),
                v.size());
}

void bench_driver(const char* name, const Inventory& inv, const std::string& url, int rounds) {
    auto sw = wiring::make_traffic_switch(inv, nullptr);
    if (auto ok = sw->live(soon()); !ok) FAIL(ok.error().message);
    std::vector<double> to503, back200, call_m, call_l;
    for (int i = 0; i < rounds; ++i) {
        auto m = measure(url, 503, [&] { return sw->maintenance(soon()); });
        auto l = measure(url, 200, [&] { return sw->live(soon()); });
        to503.push_back(m.visible_ms);
        back200.push_back(l.visible_ms);
        call_m.push_back(m.returned_ms);
        call_l.push_back(l.returned_ms);
    }
    std::printf("%s (%d rounds, loopback, 3 backends):\n", name, rounds);
    report("maintenance: call -> first 503", to503);
    report("live: call -> first 200", back200);
    report("maintenance() returned (verified)", call_m);
    report("live() returned (verified)", call_l);
}

}  // namespace

TEST_CASE("bench: switch call to the change seen through the LB", "[.bench]") {
    const int rounds = std::getenv("NCBCTL_BENCH_ROUNDS") ? std::atoi(std::getenv("NCBCTL_BENCH_ROUNDS")) : 10;
    bench_driver("nginx", nginx_inventory(), kNginxUrl, rounds);
    bench_driver("haproxy (local admin socket)", haproxy_inventory(), kHaproxyUrl, rounds);
    Inventory remote = haproxy_inventory();
    remote.traffic.via_node = "lb";
    bench_driver("haproxy (runner + socat)", remote, kHaproxyUrl, rounds);
}

namespace {

// What a drain costs: one connection-count read (the price of a node.stop with nothing in flight), and how
// soon after a request in flight answers HAProxy's count drops to 0 (polled every 10 ms here).
void bench_drain(const char* name, const Inventory& inv, int rounds) {
    auto sw = wiring::make_traffic_switch(inv, net::make_local_runner());
    std::vector<double> read_ms, lag_ms;
    for (int i = 0; i < rounds; ++i) {
        std::this_thread::sleep_for(100ms);  // past the shared snapshot's 90 ms: a real read
        const auto t0 = Clock::now();
        auto n = sw->open_sessions("app2", soon());
        read_ms.push_back(Ms(Clock::now() - t0).count());
        if (!n) FAIL(n.error().message);
    }
    for (int i = 0; i < rounds; ++i) {
        if (auto ok = sw->pin("app2", soon()); !ok) FAIL(ok.error().message);
        std::atomic<Clock::time_point> answered{Clock::time_point::max()};
        std::thread client([&] {
            net::HttpClient http;
            (void)http.perform({.url = std::string(kHaproxyUrl) + "cgi-bin/slow?1"}, soon());
            answered = Clock::now();
        });
        for (int k = 0; k < 100 && *sw->open_sessions("app2", soon()) == 0; ++k) std::this_thread::sleep_for(10ms);
        if (auto ok = sw->maintenance(soon()); !ok) FAIL(ok.error().message);
        while (*sw->open_sessions("app2", soon()) != 0) std::this_thread::sleep_for(10ms);
        const auto seen = Clock::now();
        client.join();
        lag_ms.push_back(std::max(0.0, Ms(seen - answered.load()).count()));
    }
    if (auto ok = sw->live(soon()); !ok) FAIL(ok.error().message);
    std::printf("%s drain (%d rounds):\n", name, rounds);
    report("one connection count (idle stop)", read_ms);
    report("request answered -> count 0 seen", lag_ms);
}

}  // namespace

TEST_CASE("bench: drain reads", "[.bench]") {
    const int rounds = std::getenv("NCBCTL_BENCH_ROUNDS") ? std::atoi(std::getenv("NCBCTL_BENCH_ROUNDS")) : 10;
    bench_drain("haproxy (local admin socket)", haproxy_inventory(), rounds);
    Inventory remote = haproxy_inventory();
    remote.traffic.via_node = "lb";
    bench_drain("haproxy (runner + socat)", remote, rounds);
}
