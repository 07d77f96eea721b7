#include <catch2/catch.hpp>

#include "drivers/docker/container_spec.hpp"

using namespace ncbctl::docker;

TEST_CASE("image references split into repo, tag and digest", "[docker]") {
    auto a = parse_image_ref("nocobase/nocobase:2.2.15");
    CHECK(a.repo == "nocobase/nocobase");
    CHECK(a.tag == "2.2.15");
    auto b = parse_image_ref("127.0.0.1:5000/ncb/app");
    CHECK(b.repo == "127.0.0.1:5000/ncb/app");
    CHECK(b.tag == "latest");
    auto c = parse_image_ref("x@sha256:abc");
    CHECK(c.repo == "x");
    CHECK(c.tag.empty());
    CHECK(c.digest == "sha256:abc");
}

namespace {
const Json kOldImage = Json::parse(R"({"Id":"sha256:old","Config":{
  "Env":["PATH=/bin","NCB_IMAGE_VERSION=2.2.14"],
  "Labels":{"org.nocobase.version":"2.2.14","shared":"img"},
  "Cmd":["node","start.js"],"Entrypoint":null,"WorkingDir":"/app","ExposedPorts":{"13000/tcp":{}},
  "Volumes":{"/data":{}}}})");

Json container(const std::string& config) {
    Json c = Json::parse(R"({"Id":"0123456789abcdef","Image":"sha256:old",
      "HostConfig":{"NetworkMode":"host","Binds":["/usr:/usr:ro"],"RestartPolicy":{"Name":"always"},"Init":true},
      "Mounts":[{"Type":"bind","Source":"/usr","Destination":"/usr","RW":false},
                {"Type":"volume","Name":"anon123","Destination":"/data","RW":true}],
      "NetworkSettings":{"Networks":{"host":{}}}})");
    c["Config"] = Json::parse(config);
    return c;
}
}  // namespace

TEST_CASE("recreate carries only the container's own config, never the old image's", "[docker]") {
    const Json c = container(R"({"Hostname":"0123456789ab","Image":"ncb/nocobase:2.2.14",
      "Env":["PATH=/bin","NCB_IMAGE_VERSION=2.2.14","APP_PORT=13000","DB_HOST=db"],
      "Labels":{"org.nocobase.version":"2.2.14","shared":"mine","ncb.node":"n1"},
      "Cmd":["node","start.js"],"Entrypoint":null,"WorkingDir":"/app","ExposedPorts":{"13000/tcp":{}},
      "Volumes":{"/data":{}},"StopTimeout":30,"Tty":false})");
    const Json b = recreate_body(c, kOldImage, "ncb/nocobase:2.2.15");
    CHECK(b["Image"] == "ncb/nocobase:2.2.15");
    CHECK(b["Env"] == Json::parse(R"(["APP_PORT=13000","DB_HOST=db"])"));
    CHECK(b["Labels"] == Json::parse(R"({"shared":"mine","ncb.node":"n1"})"));
    CHECK_FALSE(b.contains("Cmd"));
    CHECK_FALSE(b.contains("Entrypoint"));
    CHECK_FALSE(b.contains("WorkingDir"));
    CHECK_FALSE(b.contains("ExposedPorts"));
    CHECK_FALSE(b.contains("Volumes"));
    CHECK_FALSE(b.contains("Hostname"));  // generated from the old id; host network anyway
    CHECK(b["StopTimeout"] == 30);
    CHECK(b["HostConfig"]["RestartPolicy"]["Name"] == "always");
    CHECK(b["HostConfig"]["Init"] == true);
    CHECK(b["HostConfig"]["Binds"] == Json::parse(R"(["/usr:/usr:ro","anon123:/data"])"));
    CHECK_FALSE(b.contains("NetworkingConfig"));
}

TEST_CASE("recreate keeps overridden Cmd, WorkingDir and an Entrypoint with its Cmd", "[docker]") {
    const Json c = container(R"({"Image":"x:1","Env":[],"Labels":null,
      "Cmd":["node","start.js"],"Entrypoint":["/init"],"WorkingDir":"/srv","User":"1000"})");
    const Json b = recreate_body(c, kOldImage, "x:2");
    CHECK(b["Entrypoint"] == Json::parse(R"(["/init"])"));
    CHECK(b["Cmd"] == Json::parse(R"(["node","start.js"])"));
    CHECK(b["WorkingDir"] == "/srv");
    CHECK(b["User"] == "1000");
    CHECK_FALSE(b.contains("Env"));
    CHECK_FALSE(b.contains("Labels"));
}

TEST_CASE("recreate puts the primary user network in NetworkingConfig and lists the others", "[docker]") {
    Json c = container(R"({"Image":"x:1","Hostname":"web1"})");
    c["HostConfig"]["NetworkMode"] = "appnet";
    c["NetworkSettings"]["Networks"] = Json::parse(R"({
      "appnet":{"Aliases":["0123456789ab","web"],"IPAMConfig":null},
      "backnet":{"Aliases":["db-client"],"IPAMConfig":{"IPv4Address":"10.9.0.5"}}})");
    const Json b = recreate_body(c, kOldImage, "x:2");
    CHECK(b["Hostname"] == "web1");
    CHECK(b["NetworkingConfig"]["EndpointsConfig"]["appnet"]["Aliases"] == Json::parse(R"(["web"])"));
    const Json extra = extra_networks(c);
    REQUIRE(extra.size() == 1);
    CHECK(extra["backnet"]["IPAMConfig"]["IPv4Address"] == "10.9.0.5");
}
