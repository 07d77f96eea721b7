#pragma once
// What a package registry holds for one package: the maintain workflow asks before it changes anything,
// since NocoBase's plugin manager downloads REGISTRY/PACKAGE/-/BASENAME-VERSION.tgz (the latest version when
// none is given) and a missing package or version would otherwise fail on the canary after the other nodes
// were stopped.
// Failure semantics of a lookup: a transport error, a 5xx or an unreadable answer is Unreachable (the caller
// may go on: the nodes, not this machine, download from the registry); 404 is NotFound; 401/403 Auth.
#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"

namespace ncbctl {

struct RegistryPackage {
    std::string name;
    std::string latest;                 // dist-tags.latest (may be empty)
    std::vector<std::string> versions;  // as listed
    [[nodiscard]] bool has(std::string_view version) const {
        return std::ranges::find(versions, version) != versions.end();
    }
};

// GET REGISTRY/PACKAGE: what the registry at `registry` (a URL) holds for `package`.
using RegistryLookup =
    std::function<Result<RegistryPackage>(const std::string& registry, const std::string& package, const Deadline&)>;

}  // namespace ncbctl
