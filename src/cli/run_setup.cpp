#include "cli/run_setup.hpp"

#include "run/action_runner_factory.hpp"
#include "run/cluster_lock.hpp"

namespace ncbctl::cli {

std::expected<RunSetup, ExitCode> make_run_setup(const Inventory& inv, const std::string& state_dir,
                                                 const std::string& run_id, std::ostream& err) {
    auto runner = run::make_action_runner(inv, run::run_work_dir(state_dir, run_id));
    if (!runner) {
        err << "ncbctl: " << runner.error().message << '\n';
        return std::unexpected(ExitCode::Failed);
    }
    auto lock = run::make_lock_backend(inv, state_dir);
    if (!lock) {
        err << "ncbctl: " << lock.error().message << '\n';
        return std::unexpected(ExitCode::Usage);
    }
    return RunSetup{std::move(*runner), std::move(*lock)};
}

}  // namespace ncbctl::cli
