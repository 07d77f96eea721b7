#include "run/action_runner_factory.hpp"

namespace ncbctl::run {

Result<std::unique_ptr<ActionRunner>> make_action_runner(const Inventory& inv) {
    return fail(ErrorCode::Unsupported, "cluster " + inv.cluster +
                                            ": running workflow steps is not available yet in this ncbctl build "
                                            "(the node/traffic/app action runner lands with the upgrade command)");
}

}  // namespace ncbctl::run
