#pragma once
// UTC time as text: the one place that turns seconds since the epoch into a strftime format (stamps in
// run ids, backup names, manifests, retention buckets, lock and run listings).
#include <cstdint>
#include <string>

namespace ncbctl::util {

// `format` is a strftime format (checked by the compiler at each call); the result is at most 63 bytes.
__attribute__((format(strftime, 2, 0))) std::string format_utc(std::int64_t unix_seconds, const char* format);
constexpr const char* kIsoUtc = "%Y-%m-%dT%H:%M:%SZ";  // 2026-11-26T07:41:17Z
constexpr const char* kCompactUtc = "%Y%m%dT%H%M%SZ";  // 20261126T074117Z

}  // namespace ncbctl::util
