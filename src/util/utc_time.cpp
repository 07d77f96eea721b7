#include "util/utc_time.hpp"

#include <ctime>

namespace ncbctl::util {

std::string format_utc(std::int64_t unix_seconds, const char* format) {
    const auto t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[64];
    // The format is checked where format_utc is called (the declaration's format attribute).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    const std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
#pragma GCC diagnostic pop
    return std::string(buf, n);
}

}  // namespace ncbctl::util
