#include <catch2/catch.hpp>
#include <string>

#include "util/block_pipe.hpp"

using ncbctl::util::BlockPipe;

TEST_CASE("BlockPipe: both stages see the whole stream in order, in blocks of the slot size") {
    std::string written;
    std::string consumed;
    std::vector<std::size_t> sizes;
    std::string input;
    for (int i = 0; i < 1000; ++i) input += std::to_string(i) + ",";
    {
        BlockPipe pipe(
            7, 3,
            [&](std::string_view b) {
                written.append(b);
                sizes.push_back(b.size());
                return true;
            },
            [&](std::string_view b) {
                consumed.append(b);
                return true;
            });
        for (std::size_t i = 0; i < input.size(); i += 5) REQUIRE(pipe.push(std::string_view(input).substr(i, 5)));
        REQUIRE(pipe.finish());
        CHECK(consumed == input);  // finish waited for the worker
    }
    CHECK(written == input);
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i) CHECK(sizes[i] == 7);
}

TEST_CASE("BlockPipe: a failing producer stage stops the pipe") {
    int calls = 0;
    BlockPipe pipe(
        4, 2, [&](std::string_view) { return ++calls < 2; }, [](std::string_view) { return true; });
    CHECK(pipe.push("abcd"));
    CHECK_FALSE(pipe.push("efgh"));
    CHECK_FALSE(pipe.push("ijkl"));
    CHECK_FALSE(pipe.finish());
    CHECK(calls == 2);
}

TEST_CASE("BlockPipe: a failing worker stage drops the rest and fails push or finish") {
    std::string consumed;
    BlockPipe pipe(
        2, 2, [](std::string_view) { return true; },
        [&](std::string_view b) {
            consumed.append(b);
            return consumed.size() < 4;
        });
    bool ok = true;
    for (int i = 0; i < 100 && ok; ++i) ok = pipe.push("xy");
    if (ok) ok = pipe.finish();
    CHECK_FALSE(ok);
    CHECK(consumed == "xyxy");
}

TEST_CASE("BlockPipe: an empty stream calls no stage") {
    int calls = 0;
    BlockPipe pipe(
        8, 2,
        [&](std::string_view) {
            ++calls;
            return true;
        },
        [&](std::string_view) {
            ++calls;
            return true;
        });
    CHECK(pipe.finish());
    CHECK(calls == 0);
}
