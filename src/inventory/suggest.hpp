#pragma once
// "Did you mean" for unknown inventory keys and names: the closest candidate by edit distance.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ncbctl::inv {

// Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate when it is close enough to be a plausible typo (at most a third of the
// word's length, minimum 2 edits), else nullopt. Ties go to the first candidate.
std::optional<std::string> suggest(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace ncbctl::inv
