// Figures for bench/ssh (hidden: "[.bench]" never runs in ctest). Uses the real transport and driver.
#include <catch2/catch.hpp>
#include <cstdio>
#include <future>

#include "drivers/ssh/ssh_driver.hpp"
#include "drivers/ssh/ssh_transport.hpp"
#include "net/process.hpp"
#include "support.hpp"

using namespace ncbctl;
using namespace ssh_it;
using namespace std::chrono_literals;

namespace {

template <class F>
double ms_per(int n, F f) {
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) f();
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / n;
}

double ms(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

TEST_CASE("bench: per-command latency, multiplexed vs a new connection", "[.bench]") {
    auto t = ssh::SshTransport::open("bench", lo_target(), Duration(3000));
    REQUIRE(t);
    REQUIRE((*t)->run({"true"}, Deadline::after(10s)));
    const int n = 50;
    const double mux = ms_per(n, [&] { REQUIRE((*t)->run({"true"}, Deadline::after(10s))->exit_code == 0); });
    const double plain = ms_per(20, [&] {
        auto r = net::run_process({.argv = (*t)->ssh_argv({"true"}, false)}, Deadline::after(10s));
        REQUIRE(r->exit_code == 0);
    });
    const double mux_client = ms_per(n, [&] {  // the same, without the driver's per-call master check
        auto r = net::run_process({.argv = (*t)->ssh_argv({"true"}, true)}, Deadline::after(10s));
        REQUIRE(r->exit_code == 0);
    });
    const double floor = ms_per(n, [] {  // only starting the client binary: the floor of any ssh call
        REQUIRE(net::run_process({.argv = {"ssh", "-V"}}, Deadline::after(10s)));
    });
    std::printf(
        "per command `true` on 127.0.0.1: multiplexed %.1f ms (raw mux client %.1f ms; `ssh -V` alone %.1f ms), "
        "new connection %.1f ms (x%.1f)\n",
        mux, mux_client, floor, plain, plain / mux);
}

TEST_CASE("bench: status across the namespace hosts, serial vs parallel", "[.bench]") {
    const auto hosts = ns_hosts();
    auto inv = inventory();
    ServiceSpec s;
    s.preset = "custom";
    s.start = s.stop = {"true"};
    s.status = {E("CTL"), "status", "/srv/app", "2250", "{{node}}"};
    auto make = [&](const std::string& prefix) {  // distinct names: distinct transports, so new masters
        std::vector<NodeDriverPtr> ds;
        for (std::size_t i = 0; i < hosts.size(); ++i) {
            auto tg = lo_target();
            tg.host = hosts[i];
            tg.port = 22;
            ds.push_back(make_ssh_driver(ssh_node(prefix + std::to_string(i), tg, s), inv));
        }
        return ds;
    };
    auto serial = [](std::vector<NodeDriverPtr>& ds) {
        const auto t0 = Clock::now();
        for (auto& d : ds) REQUIRE(d->probe(Deadline::after(20s))->reachable);
        return ms(t0);
    };
    auto parallel = [](std::vector<NodeDriverPtr>& ds) {
        const auto t0 = Clock::now();
        std::vector<std::future<bool>> fs;
        for (auto& d : ds)
            fs.push_back(std::async(std::launch::async, [&d] { return d->probe(Deadline::after(20s))->reachable; }));
        for (auto& f : fs) REQUIRE(f.get());
        return ms(t0);
    };
    {
        auto ds = make("serial");
        const double cold_serial = serial(ds);
        auto ds2 = make("parallel");
        const double cold_parallel = parallel(ds2);
        double warm_serial = 0, warm_parallel = 0, one = 0;
        const int rounds = 10;
        for (int i = 0; i < rounds; ++i) {
            warm_serial += serial(ds) / rounds;
            warm_parallel += parallel(ds) / rounds;
            const auto t0 = Clock::now();
            REQUIRE(ds[0]->probe(Deadline::after(20s))->reachable);
            one += ms(t0) / rounds;
        }
        std::printf(
            "status of %zu netns hosts: one host %.1f ms; warm (mux) serial %.1f ms, parallel %.1f ms; "
            "cold (new masters) serial %.1f ms, parallel %.1f ms\n",
            hosts.size(), one, warm_serial, warm_parallel, cold_serial, cold_parallel);
    }
}
