// lb_prober URL INTERVAL_MS OUT_FILE: GETs URL every INTERVAL_MS from one in-process keep-alive client
// (no process per poll) until SIGTERM/SIGINT, appending one line per answer to OUT_FILE:
//   <unix_ms> <status|ERR> <retry-after or -> <first 40 bytes of the body or the error, spaces as _>
// The e2e tests read it to prove what clients saw through the load balancer during a workflow.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "ncbctl/events.hpp"
#include "net/http.hpp"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

std::string oneword(std::string s) {
    if (s.size() > 40) s.resize(40);
    for (auto& c : s)
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') c = '_';
    return s.empty() ? "-" : s;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: lb_prober URL INTERVAL_MS OUT_FILE\n";
        return 2;
    }
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    const std::string url = argv[1];
    const auto interval = std::chrono::milliseconds(std::stoi(argv[2]));
    std::ofstream out(argv[3], std::ios::app);
    ncbctl::net::HttpClient client;
    while (g_stop == 0) {
        const auto t0 = std::chrono::steady_clock::now();
        auto r = client.perform({.url = url}, ncbctl::Deadline::after(std::chrono::seconds(5)));
        out << ncbctl::unix_ms_now() << ' ';
        if (r)
            out << r->status << ' ' << oneword(r->header("retry-after")) << ' ' << oneword(r->body) << '\n';
        else
            out << "ERR - " << oneword(r.error().message) << '\n';
        out.flush();
        std::this_thread::sleep_until(t0 + interval);
    }
    return 0;
}
