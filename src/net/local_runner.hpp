#pragma once
// The CommandRunner that runs commands on this machine (processes through net::run_process).
#include <memory>

#include "ncbctl/command_runner.hpp"

namespace ncbctl::net {

std::unique_ptr<CommandRunner> make_local_runner();

}  // namespace ncbctl::net
