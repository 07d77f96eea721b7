#pragma once
// The in-app actions of the maintain workflow, run on one node through its API (AppClient):
//   app.plugin_add      params target (package), registry      skipped when the package is already listed
//   app.plugin_enable   params target (plugin or package name)  skipped when already enabled
//   app.plugin_disable  params target                           skipped when already disabled
//   app.plugin_remove   params target                           skipped when no longer installed
//   app.backup_restore  params target (backup name on the node, or a local .nbdata file to upload)
//   app.plugins_expect  params present, enabled, disabled, absent (comma lists): the node shows that
//   app.registry_check  params registry, add (packages), upgrade (NAME[@VERSION]): the registry has them,
//                       asked from this machine (unreachable from here: a note, not a failure)
// Idempotent as the engine requires (resume re-runs the step in flight), except a restore, which is
// simply done again. Failure semantics: the client's Error with "node N: " in front; an unknown plugin is
// NotFound naming `ncbctl plugin list`; a plugin in the wrong state after the action is Verification
// (transient for plugins_expect: a node that just booted may still be loading plugins).
#include <string_view>

#include "ncbctl/action_runner.hpp"
#include "ncbctl/app_client.hpp"
#include "ncbctl/events.hpp"
#include "ncbctl/inventory.hpp"
#include "ncbctl/package_registry.hpp"
#include "ncbctl/plan.hpp"

namespace ncbctl::workflow {

// `registry`: how app.registry_check reads a package registry (the other actions do not use it).
Result<StepResult> run_app_action(AppClient& app, const RegistryLookup& registry, const Node& node, const Step& step,
                                  const Deadline& deadline, EventSink& events);

}  // namespace ncbctl::workflow
