#pragma once
// Bounds on an inventory's YAML before yaml-cpp builds its node tree (about 250 bytes of memory per
// node): one streaming pass over the parser's events, holding nothing but a stack of counters. Refuses
// nesting deeper than kMaxDepth, more than kMaxNodes nodes, and aliases whose expansion (each alias
// counts the nodes it repeats, so "billion laughs" documents are caught) exceeds kMaxExpandedNodes.
// Stops when an interrupt is requested (ncbctl/cancel.hpp). Syntax errors throw YAML::Exception as
// YAML::Load would.
#include <yaml-cpp/mark.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ncbctl::inv {

inline constexpr std::size_t kMaxInventoryBytes = 4U * 1024U * 1024U;
inline constexpr std::size_t kMaxDepth = 64;
inline constexpr std::size_t kMaxNodes = 100'000;
inline constexpr std::size_t kMaxExpandedNodes = 200'000;

struct LimitProblem {
    YAML::Mark at;
    std::string message;
    bool interrupted = false;
};

std::optional<LimitProblem> check_yaml_limits(std::string_view text);

}  // namespace ncbctl::inv
