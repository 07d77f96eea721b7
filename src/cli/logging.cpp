#include "cli/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace ncbctl::cli {

void setup_logging(int verbose, bool quiet, bool color) {
    auto logger = color ? spdlog::stderr_color_mt("ncbctl") : spdlog::stderr_logger_mt("ncbctl");
    logger->set_pattern(color ? "%^%l%$: %v" : "%l: %v");
    if (quiet)
        logger->set_level(spdlog::level::err);
    else if (verbose >= 2)
        logger->set_level(spdlog::level::trace);
    else if (verbose == 1)
        logger->set_level(spdlog::level::debug);
    else
        logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

}  // namespace ncbctl::cli
