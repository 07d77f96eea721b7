// Driver for bench/backup-download: downloads URL/api/backups:download through NocoBaseClient into
// DEST (streaming, SHA-256, zip verification) and prints seconds, bytes, MB/s and peak RSS.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include "nocobase/client.hpp"

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s BASE_URL NAME DEST\n", argv[0]);
        return 2;
    }
    ncbctl::nocobase::ClientOptions o;
    o.node = "bench";
    o.base_url = argv[1];
    ncbctl::nocobase::NocoBaseClient c(o);
    const auto t0 = std::chrono::steady_clock::now();
    auto r = c.backup_download_verified(argv[2], argv[3], ncbctl::Deadline::after(std::chrono::hours(1)));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!r) {
        std::fprintf(stderr, "%s\n", r.error().message.c_str());
        return 1;
    }
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    std::printf("seconds=%.3f bytes=%llu mb_per_s=%.1f peak_rss_kb=%ld sha256=%s\n", s,
                static_cast<unsigned long long>(r->bytes), static_cast<double>(r->bytes) / 1e6 / s, u.ru_maxrss,
                r->sha256.c_str());
    return 0;
}
