// "Nothing to do is not a maintenance" (issue #18): the forecast rules on recorded plugin lists, the engine
// ending a run whose forecast says nothing would change, and the plans that carry (or, with --force, do not
// carry) the forecast.
#include <catch2/catch.hpp>

#include <algorithm>

#include "fakes/engine.hpp"
#include "ncbctl/actions.hpp"
#include "plan/maintain.hpp"
#include "plan/workflows.hpp"
#include "run/executor.hpp"
#include "workflow/change_forecast.hpp"

using namespace ncbctl;
using ncbctl::testing::make_inventory;
using ncbctl::testing::RecordingRunner;
using ncbctl::testing::RecordingSink;

namespace {

std::vector<PluginInfo> plugins() {
    return {
        {.name = "hello", .package_name = "@x/plugin-hello", .version = "1.0.0", .enabled = true, .installed = true},
        {.name = "quiet", .package_name = "@x/plugin-quiet", .version = "2.0.0", .enabled = false, .installed = true},
        // Listed by NocoBase (in the image) but never installed: what `plugin disable locale-tester` met.
        {.name = "locale-tester", .package_name = "@x/plugin-locale-tester", .version = "2.2.15"},
    };
}

std::vector<plan::MaintainAction> acts(std::initializer_list<std::string> texts) {
    std::vector<plan::MaintainAction> out;
    for (const auto& t : texts) out.push_back(*plan::parse_maintain_action(t));
    return out;
}

Result<std::optional<std::string>> forecast(std::initializer_list<std::string> texts) {
    return workflow::forecast_maintain(plugins(), acts(texts), "app1");
}

}  // namespace

TEST_CASE("forecast: every target state holds -> unchanged, naming the plugins", "[forecast]") {
    auto f = forecast({"enable:hello", "disable:quiet", "remove:gone", "add:@x/plugin-hello", "upgrade:hello@1.0.0"});
    REQUIRE(f);
    REQUIRE(f->has_value());
    CHECK(**f ==
          "hello is enabled already, quiet is disabled already, gone is not installed already, "
          "@x/plugin-hello is on the node already, hello is at 1.0.0 already (node app1)");
    CHECK(forecast({"remove:locale-tester"})->has_value());
}

TEST_CASE("forecast: one action that changes something -> the run goes on", "[forecast]") {
    CHECK_FALSE(forecast({"enable:hello", "enable:quiet"})->has_value());
    CHECK_FALSE(forecast({"disable:hello"})->has_value());
    CHECK_FALSE(forecast({"enable:locale-tester"})->has_value());  // pm:enable installs it
    CHECK_FALSE(forecast({"remove:quiet"})->has_value());
    CHECK_FALSE(forecast({"add:@x/plugin-new"})->has_value());
    CHECK_FALSE(forecast({"upgrade:hello@1.0.1"})->has_value());
    CHECK_FALSE(forecast({"upgrade:hello"})->has_value());  // the registry's latest: only the registry knows
}

TEST_CASE("forecast: an action that cannot apply is refused (preflight, exit 3)", "[forecast]") {
    auto f = forecast({"enable:hello", "disable:locale-tester"});
    REQUIRE_FALSE(f);
    CHECK(f.error().code == ErrorCode::Conflict);
    CHECK(f.error().message ==
          "node app1: plugin locale-tester is not installed, so it cannot be disabled (see `ncbctl plugin list`); "
          "nothing was changed");
    CHECK_FALSE(forecast({"disable:nowhere"}));
    CHECK_FALSE(forecast({"upgrade:nowhere@1.0.0"}));
}

TEST_CASE("engine: a forecast of nothing to do ends the run after preflight, exit 0, changed=false", "[forecast]") {
    auto plan = plan::build_maintain(make_inventory(3), [] {
        plan::MaintainArgs a;
        a.actions = acts({"disable:quiet"});
        return a;
    }());
    REQUIRE(plan);
    const Step* fc = plan->find_step("preflight/forecast/app1");
    REQUIRE(fc != nullptr);
    CHECK(fc->action == actions::kAppForecast);
    CHECK(fc->params.at("actions") == "disable:quiet");

    RecordingRunner runner;
    runner.details["preflight/forecast/app1"] = {{"unchanged", "quiet is disabled already (node app1)"}};
    RecordingSink sink;
    run::ExecOptions o;
    o.run_id = "r";
    auto out = run::execute(*plan, runner, sink, o);
    CHECK(out.exit == ExitCode::Ok);
    CHECK_FALSE(out.changed);
    CHECK(out.cluster_state ==
          "nothing to do, nothing changed: quiet is disabled already (node app1) (--force runs it anyway)");
    for (const auto& id : runner.ids("run")) CHECK(id.starts_with("preflight/"));
    CHECK(out.phases.at(1).result == "skipped");
    const auto fin = sink.of(EventKind::RunFinished);
    REQUIRE(fin.size() == 1);
    CHECK(fin[0].details.at("changed") == "false");

    // The same plan, the forecast seeing a change: the whole cycle runs.
    RecordingRunner busy;
    RecordingSink sink2;
    auto ran = run::execute(*plan, busy, sink2, o);
    CHECK(ran.exit == ExitCode::Ok);
    CHECK(ran.changed);
    const auto ids = busy.ids("run");
    CHECK(std::find(ids.begin(), ids.end(), "scale-down/app2") != ids.end());
}

TEST_CASE("upgrade: unchanged only when every node runs --to already", "[forecast]") {
    auto plan = plan::build_upgrade(make_inventory(2), {.to = "2.2.16"});
    REQUIRE(plan);
    for (const std::string n : {"app1", "app2"}) {
        const Step* p = plan->find_step("preflight/probe/" + n);
        REQUIRE(p != nullptr);
        CHECK(p->params.at(std::string(actions::kForecast)) == "1");
        CHECK(p->params.at(std::string(actions::kUnchangedIfDeployed)) == "2.2.16");
    }
    run::ExecOptions o;
    o.run_id = "r";
    {
        RecordingRunner runner;  // app2 does not run 2.2.16: the upgrade runs
        runner.details["preflight/probe/app1"] = {{"unchanged", "app1 runs 2.2.16 already"}};
        RecordingSink sink;
        auto out = run::execute(*plan, runner, sink, o);
        CHECK(out.changed);
        const auto ids = runner.ids("run");
        CHECK(std::find(ids.begin(), ids.end(), "upgrade/app2") != ids.end());
    }
    {
        RecordingRunner runner;
        runner.details["preflight/probe/app1"] = {{"unchanged", "app1 runs 2.2.16 already"}};
        runner.details["preflight/probe/app2"] = {{"unchanged", "app2 runs 2.2.16 already"}};
        RecordingSink sink;
        auto out = run::execute(*plan, runner, sink, o);
        CHECK(out.exit == ExitCode::Ok);
        CHECK_FALSE(out.changed);
        for (const auto& id : runner.ids("run")) CHECK(id.starts_with("preflight/"));
    }
}

TEST_CASE("forecast: a --force plan carries none, and restores never forecast", "[forecast]") {
    auto up = plan::build_upgrade(make_inventory(2), {.to = "2.2.16", .force = true});
    REQUIRE(up);
    CHECK(up->args.at("force") == "true");
    CHECK(up->find_step("preflight/probe/app1")->params.empty());
    plan::MaintainArgs a;
    a.actions = acts({"disable:quiet"});
    a.force = true;
    auto m = plan::build_maintain(make_inventory(2), a);
    REQUIRE(m);
    CHECK(m->find_step("preflight/forecast/app1") == nullptr);
    plan::MaintainArgs r;
    r.actions = acts({"restore:nightly.nbdata"});
    auto restore = plan::build_maintain(make_inventory(2), r);
    REQUIRE(restore);
    CHECK(restore->find_step("preflight/forecast/app1") == nullptr);
    // start and stop have no forecast either: they always act.
    CHECK(plan::build_stop(make_inventory(2))->find_step("preflight/probe/app1")->params.empty());
}
