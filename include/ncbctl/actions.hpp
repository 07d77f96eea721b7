#pragma once
// The action vocabulary: every action a plan step (or its undo) may name, shared by the workflow builders
// (src/plan) and the runner that executes them (src/workflow). A step names its action by one of these
// strings, and journals store the string, so a name never changes once released.
#include <array>
#include <string_view>

namespace ncbctl::actions {

// Which part of the runner handles an action (and what it needs: a node's driver, the traffic switch, a
// node's NocoBase API, the cluster's database and backups).
enum class Family { Node, App, Traffic, Cluster };

struct Action {
    std::string_view name;
    Family family;
};

// node.*: the node's driver (target: a node)
inline constexpr std::string_view kNodeProbe = "node.probe";               // reachable, service state, version
inline constexpr std::string_view kNodePrepare = "node.prepare";           // pull the image / prepare the version
inline constexpr std::string_view kNodeMarkUpgrade = "node.mark_upgrade";  // next start runs NocoBase's upgrade
inline constexpr std::string_view kNodeStop = "node.stop";                 // drained first, verified stopped
inline constexpr std::string_view kNodeStart = "node.start";               // param wait_ready=true
inline constexpr std::string_view kNodeUpgrade = "node.upgrade";           // deploy `version`, records previous
inline constexpr std::string_view kNodeRollback = "node.rollback";         // back to the recorded previous version

// app.*: the node's NocoBase API (target: a node)
inline constexpr std::string_view kAppWaitReady = "app.wait_ready";
inline constexpr std::string_view kVerify = "verify";  // readiness, plugin set unchanged, the inventory's checks
inline constexpr std::string_view kAppPluginAdd = "app.plugin_add";
inline constexpr std::string_view kAppPluginEnable = "app.plugin_enable";
inline constexpr std::string_view kAppPluginDisable = "app.plugin_disable";
inline constexpr std::string_view kAppPluginRemove = "app.plugin_remove";
inline constexpr std::string_view kAppPluginUpdate = "app.plugin_update";
inline constexpr std::string_view kAppBackupRestore = "app.backup_restore";
inline constexpr std::string_view kAppPluginsExpect = "app.plugins_expect";
inline constexpr std::string_view kAppRegistryCheck = "app.registry_check";
// What maintain's actions would change (param actions=encoded list): refuses an action that cannot apply,
// reports `unchanged` when every target state already holds.
inline constexpr std::string_view kAppForecast = "app.forecast";

// traffic.*: the load balancer (target: the cluster)
inline constexpr std::string_view kTrafficStatus = "traffic.status";
inline constexpr std::string_view kTrafficMaintenance = "traffic.maintenance";
inline constexpr std::string_view kTrafficLive = "traffic.live";
inline constexpr std::string_view kTrafficPin = "traffic.pin";
inline constexpr std::string_view kTrafficServe = "traffic.serve";

// cluster-wide: versions, database, backups (target: the cluster)
inline constexpr std::string_view kVerifyVersions = "verify.versions";
inline constexpr std::string_view kDatabaseCheck = "database.check";
inline constexpr std::string_view kAppRecord = "app.record";  // version and enabled plugins before the run
inline constexpr std::string_view kBackupSpace = "backup.space";
inline constexpr std::string_view kBackupDatabase = "backup.database";
inline constexpr std::string_view kBackupStorage = "backup.storage";
inline constexpr std::string_view kBackupRestore = "backup.restore";
inline constexpr std::string_view kBackupRestoreStorage = "backup.restore_storage";
// backup.in_window: clone (PostgreSQL): the server-side copy of the database inside the window, its swap back
// on rollback, the durable dump taken from it after the window, then its drop.
// The cluster preflight (docs/preflight.md): versions, shared secrets, shared storage, cluster-mode settings,
// the LB's servers, the database; params strict=1 (warnings are errors), storage=optional|required.
inline constexpr std::string_view kPreflightCluster = "preflight.cluster";
inline constexpr std::string_view kDatabaseCloneCheck = "database.clone_check";  // preflight: rights, names free
inline constexpr std::string_view kBackupClone = "backup.clone";                 // CREATE DATABASE ... TEMPLATE
inline constexpr std::string_view kBackupSwap = "backup.swap";                   // the copy renamed back in place
inline constexpr std::string_view kBackupDumpCopy = "backup.dump_copy";          // dump of the copy, verified
inline constexpr std::string_view kBackupDropCopy = "backup.drop_copy";          // once that dump re-verifies

inline constexpr std::array kAll = {
    Action{kNodeProbe, Family::Node},
    Action{kNodePrepare, Family::Node},
    Action{kNodeMarkUpgrade, Family::Node},
    Action{kNodeStop, Family::Node},
    Action{kNodeStart, Family::Node},
    Action{kNodeUpgrade, Family::Node},
    Action{kNodeRollback, Family::Node},
    Action{kAppWaitReady, Family::App},
    Action{kVerify, Family::App},
    Action{kAppPluginAdd, Family::App},
    Action{kAppPluginEnable, Family::App},
    Action{kAppPluginDisable, Family::App},
    Action{kAppPluginRemove, Family::App},
    Action{kAppPluginUpdate, Family::App},
    Action{kAppBackupRestore, Family::App},
    Action{kAppPluginsExpect, Family::App},
    Action{kAppRegistryCheck, Family::App},
    Action{kAppForecast, Family::App},
    Action{kTrafficStatus, Family::Traffic},
    Action{kTrafficMaintenance, Family::Traffic},
    Action{kTrafficLive, Family::Traffic},
    Action{kTrafficPin, Family::Traffic},
    Action{kTrafficServe, Family::Traffic},
    Action{kVerifyVersions, Family::Cluster},
    Action{kDatabaseCheck, Family::Cluster},
    Action{kAppRecord, Family::Cluster},
    Action{kBackupSpace, Family::Cluster},
    Action{kBackupDatabase, Family::Cluster},
    Action{kBackupStorage, Family::Cluster},
    Action{kBackupRestore, Family::Cluster},
    Action{kBackupRestoreStorage, Family::Cluster},
    Action{kDatabaseCloneCheck, Family::Cluster},
    Action{kPreflightCluster, Family::Cluster},
    Action{kBackupClone, Family::Cluster},
    Action{kBackupSwap, Family::Cluster},
    Action{kBackupDumpCopy, Family::Cluster},
    Action{kBackupDropCopy, Family::Cluster},
};

// "Nothing to do is not a maintenance." A preflight step whose params hold kForecast is a forecast: when
// every forecast step of a phase reports kUnchanged in its details (the value says why), the run ends there,
// exit 0, nothing changed. A plan built with --force has no forecast steps.
inline constexpr std::string_view kForecast = "forecast";    // step param: "1"
inline constexpr std::string_view kUnchanged = "unchanged";  // result detail: why nothing would change
// node.probe's param: the version an upgrade goes to; a running node that has it deployed reports kUnchanged.
inline constexpr std::string_view kUnchangedIfDeployed = "unchanged_if_deployed";

// The entry of `name`, or nullptr for a name no handler knows (a journal from another version, a typo).
constexpr const Action* find(std::string_view name) {
    for (const auto& a : kAll)
        if (a.name == name) return &a;
    return nullptr;
}

}  // namespace ncbctl::actions
