#pragma once
// An npm registry as the PackageRegistry port (include/ncbctl/package_registry.hpp): the packument of one
// package, read with libcurl.
#include <string>
#include <string_view>
#include <vector>

#include "ncbctl/deadline.hpp"
#include "ncbctl/error.hpp"
#include "ncbctl/package_registry.hpp"

namespace ncbctl::nocobase {

using ncbctl::RegistryPackage;

// The packument's body -> the versions; Protocol error when it is not an npm packument.
Result<RegistryPackage> parse_packument(std::string_view body, std::string_view package);

// GET REGISTRY/PACKAGE (the URL NocoBase itself asks; a trailing slash of the registry is dropped).
Result<RegistryPackage> fetch_registry_package(const std::string& registry, const std::string& package,
                                               const Deadline& deadline);

}  // namespace ncbctl::nocobase
