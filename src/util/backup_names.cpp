#include "util/backup_names.hpp"
#include "util/utc_time.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

namespace ncbctl::backup {
namespace {

constexpr std::int64_t kDay = 86400;

bool all_digits(const std::string& s, std::size_t from, std::size_t n) {
    if (from + n > s.size()) return false;
    return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(from), s.begin() + static_cast<std::ptrdiff_t>(from + n),
                       [](char c) { return c >= '0' && c <= '9'; });
}

int num(const std::string& s, std::size_t from, std::size_t n) {
    return std::stoi(s.substr(from, n));
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

std::string day_label(std::int64_t t) {
    return util::format_utc(t, "%Y-%m-%d");
}

std::string week_label(std::int64_t t) {
    return util::format_utc(t, "%G-W%V");
}

// Keeps the newest item of each of the `count` most recent buckets (items are newest first).
void keep_per_bucket(const std::vector<RetentionItem>& items, std::vector<RetentionDecision>& out, int count,
                     std::int64_t (*bucket)(std::int64_t), std::string (*label)(std::int64_t), const char* rule) {
    std::set<std::int64_t> seen;
    for (std::size_t i = 0; i < items.size() && static_cast<int>(seen.size()) < count; ++i) {
        const auto b = bucket(items[i].time);
        if (!seen.insert(b).second) continue;
        if (!out[i].keep) {
            out[i].keep = true;
            out[i].reason = std::string(rule) + " " + label(items[i].time);
        }
    }
}

}  // namespace

std::optional<BackupName> parse_backup_name(const std::string& file_name) {
    // <cluster>-YYYYMMDDTHHMMSSZ.<ext>; the stamp is 16 characters.
    const auto dot = file_name.rfind('.');
    if (dot == std::string::npos || dot < 18) return std::nullopt;
    const std::size_t s = dot - 16;
    if (file_name[s - 1] != '-' || file_name[s + 8] != 'T' || file_name[s + 15] != 'Z') return std::nullopt;
    if (!all_digits(file_name, s, 8) || !all_digits(file_name, s + 9, 6)) return std::nullopt;
    BackupName n;
    n.cluster = file_name.substr(0, s - 1);
    n.ext = file_name.substr(dot + 1);
    if (n.ext != "pgdump" && n.ext != "pgdir" && n.ext != "sql" && n.ext != "nbdata") return std::nullopt;
    std::tm tm{};
    tm.tm_year = num(file_name, s, 4) - 1900;
    tm.tm_mon = num(file_name, s + 4, 2) - 1;
    tm.tm_mday = num(file_name, s + 6, 2);
    tm.tm_hour = num(file_name, s + 9, 2);
    tm.tm_min = num(file_name, s + 11, 2);
    tm.tm_sec = num(file_name, s + 13, 2);
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return std::nullopt;
    n.time = static_cast<std::int64_t>(timegm(&tm));
    return n;
}

std::string backup_base_name(const std::string& cluster, std::int64_t unix_seconds) {
    return cluster + "-" + util::format_utc(unix_seconds, util::kCompactUtc);
}

std::vector<RetentionDecision> select_retention(std::vector<RetentionItem> items, const Retention& policy) {
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return a.time != b.time ? a.time > b.time : a.name > b.name; });
    std::vector<RetentionDecision> out;
    out.reserve(items.size());
    const bool no_policy = policy.keep_last <= 0 && policy.keep_daily <= 0 && policy.keep_weekly <= 0;
    for (const auto& it : items) out.push_back({it.name, no_policy, no_policy ? "no policy" : ""});
    if (no_policy) return out;
    for (std::size_t i = 0; i < items.size() && static_cast<int>(i) < policy.keep_last; ++i) {
        out[i].keep = true;
        out[i].reason = "last " + std::to_string(i + 1);
    }
    keep_per_bucket(
        items, out, policy.keep_daily, [](std::int64_t t) { return floor_div(t, kDay); }, day_label, "daily");
    // 1970-01-01 was a Thursday: +3 days puts week boundaries on Mondays (ISO weeks).
    keep_per_bucket(
        items, out, policy.keep_weekly, [](std::int64_t t) { return floor_div(floor_div(t, kDay) + 3, 7); }, week_label,
        "weekly");
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (!items[i].verified) continue;
        if (!out[i].keep) {
            out[i].keep = true;
            out[i].reason = "newest verified";
        }
        break;
    }
    for (auto& d : out)
        if (!d.keep) d.reason = "pruned";
    return out;
}

std::string utc_iso(std::int64_t unix_seconds) {
    return util::format_utc(unix_seconds, util::kIsoUtc);
}

std::string human_bytes(std::uint64_t bytes) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    std::size_t u = 0;
    while (v >= 1024 && u + 1 < std::size(kUnits)) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, kUnits[u]);
    return buf;
}

}  // namespace ncbctl::backup
