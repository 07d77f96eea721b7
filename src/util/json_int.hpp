#pragma once
// Integers from JSON that ncbctl reads back (journal, lock holder, plan): nlohmann's value()/get<int64_t>
// converts a floating-point number with a plain cast, undefined behaviour when it is out of range (a damaged
// journal's `"ts": 1.8e22`), and value() throws on a string. Files are input like any other: these take only
// integers that fit.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ncbctl::util {

// The integer at `key` of object `j`; nullopt when the key is missing, is not an integer, or does not fit.
inline std::optional<std::int64_t> json_int(const nlohmann::json& j, const std::string& key) {
    if (!j.is_object()) return std::nullopt;
    auto it = j.find(key);
    if (it == j.end()) return std::nullopt;
    if (it->is_number_unsigned()) {
        const auto u = it->get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
        return static_cast<std::int64_t>(u);
    }
    if (it->is_number_integer()) return it->get<std::int64_t>();
    return std::nullopt;
}

// json_int(), or `fallback` when the key is missing or holds anything but a fitting integer.
inline std::int64_t json_int_or(const nlohmann::json& j, const std::string& key, std::int64_t fallback) {
    return json_int(j, key).value_or(fallback);
}

// The string at `key`, or `fallback` when it is missing or not a string (value() would throw on a number).
inline std::string json_string_or(const nlohmann::json& j, const std::string& key, const std::string& fallback = {}) {
    if (!j.is_object()) return fallback;
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// A required integer in [lo, hi]: throws nlohmann::json::type_error (as get<>() would on a wrong type), so a
// reader that already turns json exceptions into its own error needs nothing more.
inline std::int64_t json_int_at(const nlohmann::json& j, const std::string& key,
                                std::int64_t lo = std::numeric_limits<std::int64_t>::min(),
                                std::int64_t hi = std::numeric_limits<std::int64_t>::max()) {
    auto v = json_int(j, key);
    if (!v || *v < lo || *v > hi)
        throw nlohmann::json::type_error::create(302, "\"" + key + "\" must be an integer in range", &j);
    return *v;
}

// `fallback` when the key is missing; otherwise as json_int_at (a present value of the wrong kind throws).
inline std::int64_t json_int_or_throw(const nlohmann::json& j, const std::string& key, std::int64_t fallback,
                                      std::int64_t lo = std::numeric_limits<std::int64_t>::min(),
                                      std::int64_t hi = std::numeric_limits<std::int64_t>::max()) {
    return j.is_object() && j.contains(key) ? json_int_at(j, key, lo, hi) : fallback;
}

}  // namespace ncbctl::util
