#include <catch2/catch.hpp>

#include "drivers/docker/engine_client.hpp"
#include "drivers/docker/streams.hpp"

using namespace ncbctl;
using namespace ncbctl::docker;

namespace {
std::string frame(char stream, std::string_view payload) {
    std::string f(8, '\0');
    f[0] = stream;
    const auto n = static_cast<std::uint32_t>(payload.size());
    f[4] = static_cast<char>((n >> 24) & 0xFF);
    f[5] = static_cast<char>((n >> 16) & 0xFF);
    f[6] = static_cast<char>((n >> 8) & 0xFF);
    f[7] = static_cast<char>(n & 0xFF);
    return f + std::string(payload);
}
}  // namespace

TEST_CASE("FrameDemuxer splits stdout and stderr across arbitrary chunk boundaries", "[docker]") {
    const std::string all = frame(1, "hello ") + frame(2, "oops\n") + frame(1, std::string(300, 'x')) + frame(1, "");
    for (std::size_t step : {1U, 3U, 7U, 8U, 9U, 1000U}) {
        FrameDemuxer d;
        for (std::size_t i = 0; i < all.size(); i += step) d.feed(std::string_view(all).substr(i, step));
        CHECK(d.out() == "hello " + std::string(300, 'x'));
        CHECK(d.err() == "oops\n");
        CHECK_FALSE(d.partial());
    }
}

TEST_CASE("FrameDemuxer caps each stream and reports a truncated frame", "[docker]") {
    FrameDemuxer d(4);
    d.feed(frame(1, "abcdefgh"));
    CHECK(d.out() == "abcd");
    CHECK(d.dropped() == 4);
    d.feed(frame(2, "xyz").substr(0, 9));
    CHECK(d.partial());
}

TEST_CASE("LineSplitter yields whole lines and bounds a huge one", "[docker]") {
    std::vector<std::string> got;
    LineSplitter s(
        [&](std::string_view l) {
            got.emplace_back(l);
            return true;
        },
        5);
    CHECK(s.feed("{\"a\"\r\n{\"b"));
    CHECK(s.feed("\"}\n0123456789\nlast"));
    CHECK(s.finish());
    REQUIRE(got.size() == 4);
    CHECK(got[0] == "{\"a\"");
    CHECK(got[1] == "{\"b\"}");
    CHECK(got[2] == "01234");
    CHECK(got[3] == "last");
}

TEST_CASE("single_file_tar is a valid ustar archive of one file", "[docker]") {
    const std::string t = single_file_tar(".upgrading", "");
    REQUIRE(t.size() == 512 + 1024);
    CHECK(t.substr(0, 10) == ".upgrading");
    CHECK(t.substr(257, 5) == "ustar");
    unsigned sum = 0;
    for (std::size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? 32U : static_cast<unsigned char>(t[i]);
    CHECK(std::stoul(t.substr(148, 6), nullptr, 8) == sum);
    CHECK(single_file_tar("f", "abc").size() == 512 + 512 + 1024);
}

TEST_CASE("base64url uses the URL-safe alphabet with padding", "[docker]") {
    CHECK(base64url("") == "");
    CHECK(base64url("f") == "Zg==");
    CHECK(base64url("fo") == "Zm8=");
    CHECK(base64url("foo") == "Zm9v");
    CHECK(base64url("\xfb\xff") == "-_8=");
}

TEST_CASE("API version negotiation takes the lower of server and client", "[docker]") {
    CHECK(negotiate_api_version(Json{{"ApiVersion", "1.41"}, {"MinAPIVersion", "1.12"}}).value() == "v1.41");
    CHECK(negotiate_api_version(Json{{"ApiVersion", "1.47"}, {"MinAPIVersion", "1.24"}}).value() == "v1.43");
    auto old = negotiate_api_version(Json{{"ApiVersion", "1.24"}});
    REQUIRE_FALSE(old);
    CHECK(old.error().code == ErrorCode::Unsupported);
    CHECK_FALSE(negotiate_api_version(Json{{"ApiVersion", "1.50"}, {"MinAPIVersion", "1.44"}}));
    CHECK_FALSE(negotiate_api_version(Json::object()));
}

TEST_CASE("engine error bodies become one line", "[docker]") {
    CHECK(engine_message(R"({"message":"No such container: x"})") == "No such container: x");
    CHECK(engine_message("line one\nline two\n") == "line one line two");
    CHECK(engine_message(std::string(500, 'a')).size() == 303);
}

TEST_CASE("endpoints: unix, tcp with and without TLS, ssh, garbage", "[docker]") {
    DockerNode n;
    n.endpoint = "unix:///tmp/d.sock";
    auto u = parse_endpoint(n);
    REQUIRE(u);
    CHECK(u->socket_path == "/tmp/d.sock");
    n.endpoint = "tcp://127.0.0.1";
    CHECK(parse_endpoint(n)->base_url == "http://127.0.0.1:2375");
    CHECK(parse_endpoint(n)->host == "127.0.0.1");  // the hijacked exec's own connection
    CHECK(parse_endpoint(n)->port == 2375);
    n.endpoint = "tcp://[::1]:2390";
    CHECK(parse_endpoint(n)->host == "::1");
    CHECK(parse_endpoint(n)->port == 2390);
    n.endpoint = "tcp://h:70000";
    CHECK(parse_endpoint(n).error().message.find("bad port '70000'") != std::string::npos);
    n.tls.ca_file = "/ca.pem";
    n.tls.cert_file = "/c.pem";
    n.tls.key_file = "/k.pem";
    n.endpoint = "tcp://10.0.0.5:2376/";
    auto t = parse_endpoint(n);
    REQUIRE(t);
    CHECK(t->base_url == "https://10.0.0.5:2376");
    CHECK(t->host == "10.0.0.5");
    CHECK(t->port == 2376);
    CHECK(t->tls.cert_file == "/c.pem");
    n.tls.key_file.clear();
    CHECK(parse_endpoint(n).error().code == ErrorCode::Inventory);
    n.endpoint = "ssh://root@h";
    CHECK(parse_endpoint(n)->kind == Endpoint::Kind::Ssh);
    n.endpoint = "http://x";
    CHECK(parse_endpoint(n).error().code == ErrorCode::Inventory);
    n.endpoint = "unix://relative.sock";
    CHECK_FALSE(parse_endpoint(n));
}

TEST_CASE("FrameDemuxer merged keeps stdout and stderr interleaved as sent, a cut frame keeps what came", "[docker]") {
    auto merged = [](std::string_view body) {
        FrameDemuxer d(1024, true);
        for (char c : body) d.feed(std::string_view(&c, 1));  // arbitrary chunk boundaries
        CHECK(d.err().empty());
        return d.out();
    };
    const std::string body = frame(1, "out 1\n") + frame(2, "err 1\n") + frame(1, "out 2\n") + frame(2, "cut off");
    CHECK(merged(body) == "out 1\nerr 1\nout 2\ncut off");
    CHECK(merged(body.substr(0, body.size() - 3)) == "out 1\nerr 1\nout 2\ncut ");
    CHECK(merged("").empty());
}

TEST_CASE("FrameDemuxer streams stdout to a sink and keeps stderr apart", "[docker]") {
    const std::string all = frame(1, "dump-") + frame(2, "warning\n") + frame(1, std::string(100000, 'd'));
    for (std::size_t step : {1U, 5U, 8U, 4096U}) {
        FrameDemuxer d(1024);
        std::string sunk;
        d.stream_stdout_to([&](std::string_view c) {
            sunk.append(c);
            return true;
        });
        for (std::size_t i = 0; i < all.size(); i += step) d.feed(std::string_view(all).substr(i, step));
        CHECK(sunk == "dump-" + std::string(100000, 'd'));  // past the 1 KiB capture cap: nothing dropped
        CHECK(d.out().empty());
        CHECK(d.err() == "warning\n");
        CHECK_FALSE(d.sink_failed());
    }
    FrameDemuxer refused;
    int calls = 0;
    refused.stream_stdout_to([&](std::string_view) { return ++calls < 2; });
    refused.feed(frame(1, "a") + frame(1, "b") + frame(1, "c"));
    CHECK(calls == 2);
    CHECK(refused.sink_failed());
}
