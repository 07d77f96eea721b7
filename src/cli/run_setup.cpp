#include "cli/run_setup.hpp"

#include "run/cluster_lock.hpp"
#include "run/work_dir.hpp"
#include "wiring/wiring.hpp"

namespace ncbctl::cli {

std::expected<RunSetup, ExitCode> make_run_setup(const Inventory& inv, const std::string& state_dir,
                                                 const std::string& run_id, std::ostream& err) {
    auto runner = wiring::make_action_runner(inv, run::run_work_dir(state_dir, run_id));
    if (!runner) {
        err << "ncbctl: " << runner.error().message << '\n';
        return std::unexpected(ExitCode::Failed);
    }
    auto lock = wiring::make_lock_backend(inv, state_dir);
    if (!lock) {
        err << "ncbctl: " << lock.error().message << '\n';
        return std::unexpected(ExitCode::Usage);
    }
    return RunSetup{std::move(*runner), std::move(*lock)};
}

}  // namespace ncbctl::cli
