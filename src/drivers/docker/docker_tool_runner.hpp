#pragma once
// The Docker implementation of ToolRunner (include/ncbctl/tool_runner.hpp): database client tools run by
// `exec` in a running container (database.run_on: container:NAME, or node:NAME of a docker node). Secrets
// go in the exec's Env. Errors name the container and, when given, the node.
#include <memory>
#include <string>

#include "drivers/docker/engine_client.hpp"
#include "ncbctl/tool_runner.hpp"

namespace ncbctl::docker {

std::unique_ptr<ToolRunner> make_docker_tool_runner(Result<Endpoint> endpoint, std::string container, std::string node);

}  // namespace ncbctl::docker
