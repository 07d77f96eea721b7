#pragma once
// What an npm registry holds for one package, read from this machine before the maintain workflow
// changes anything: NocoBase's plugin manager downloads `REGISTRY/PACKAGE/-/BASENAME-VERSION.tgz` (the
// version from the packument's dist-tags.latest when none is given), so a missing package or version
// would otherwise fail on the canary after the other nodes were stopped.
// Failure semantics: a transport error, a 5xx or an unreadable answer is `Unreachable` (the caller may go
// on: the nodes, not this machine, download from the registry); 404 is NotFound; 401/403 Auth.
#include <string>
#include <string_view>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"

namespace ncbctl::nocobase {

struct RegistryPackage {
    std::string name;
    std::string latest;                 // dist-tags.latest (may be empty)
    std::vector<std::string> versions;  // as listed
    [[nodiscard]] bool has(std::string_view version) const;
};

// The packument's body -> the versions; Protocol error when it is not an npm packument.
Result<RegistryPackage> parse_packument(std::string_view body, std::string_view package);

// GET REGISTRY/PACKAGE (the URL NocoBase itself asks; a trailing slash of the registry is dropped).
Result<RegistryPackage> fetch_registry_package(const std::string& registry, const std::string& package,
                                               const Deadline& deadline);

}  // namespace ncbctl::nocobase
